"""Long commands in a log: where the output is not a terminal (a pipe, CI, a file), they write
progress as lines on the standard error, every so often while they work and once when done."""
import io
import time

import pytest
from django.core.management import call_command
from tqdm import tqdm

from tracking.management.commands._progress import Lines, progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_a_line_every_so_often_while_the_work_goes_on_and_one_when_it_is_done():
    log = io.StringIO()
    with progress(log, "verify", unit="villages", total=200, every=0.05) as bar:
        bar.update(50)
        time.sleep(0.3)  # a long write that reports nothing meanwhile
        bar.update(150)
    lines = log.getvalue().splitlines()
    assert len(lines) >= 3, lines
    assert lines[0] == "verify: 50 of 200 villages (25%), 0 s"
    assert lines[-1].startswith("verify: 200 villages, done in 0.")
    assert "\r" not in log.getvalue()


def test_lines_of_an_iterable_without_a_length_count_what_went_by():
    log = io.StringIO()
    rows = (n for n in range(5))
    with progress(log, "rows", unit="rows", iterable=rows, every=0.05) as counted:
        for _row in counted:
            time.sleep(0.03)
    lines = log.getvalue().splitlines()
    assert any(line.startswith("rows: ") and line.endswith(" s") and " of " not in line for line in lines[:-1]), lines
    assert lines[-1].startswith("rows: 5 rows, done in ")


def test_work_that_fails_says_it_is_done_nowhere():
    log = io.StringIO()
    with pytest.raises(ValueError), progress(log, "verify", unit="villages", total=3, every=60) as bar:
        bar.update(1)
        raise ValueError
    assert log.getvalue() == ""


def test_a_terminal_gets_a_bar():
    assert isinstance(progress(Terminal(), "verify", unit="villages", total=3), tqdm)
    assert isinstance(progress(io.StringIO(), "verify", unit="villages", total=3), Lines)


def test_a_quarter_of_reports_from_a_file_says_how_many_rows_it_read(tmp_path, article, django_user_model):
    django_user_model.objects.create_superuser(username="clerk", password="pw")
    path = tmp_path / "reports.csv"
    path.write_text("village_key,full_members,probationary_members\n03317-0001,3,1\n03316-0001,2,0\n", encoding="utf-8")
    err = io.StringIO()
    call_command("import_reports", str(path), "--quarter", "2019Q3", "--user", "clerk", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("rows: 2 rows, done in "), err.getvalue()


def test_figures_verify_says_how_many_villages_it_checked(article):
    err = io.StringIO()
    call_command("figures", "--verify", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("verify: 7 villages, done in "), err.getvalue()
