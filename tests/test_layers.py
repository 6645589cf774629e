"""The layers of the code hold: the edges (API, admin, commands) call the services and selectors,
these the rules, figures and models, never the other way; nothing below the edges imports DRF
(the contracts are in .ci/importlinter.ini)."""
from pathlib import Path

from importlinter.cli import lint_imports

CONFIG = Path(__file__).resolve().parent.parent / ".ci" / "importlinter.ini"


def test_every_import_contract_is_kept(capsys):
    status = lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "2 kept, 0 broken" in report
