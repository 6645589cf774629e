from django.urls import path
from rest_framework.routers import DefaultRouter

from ..models import UNIT_CODE_REGEX
from .views import (
    approvals,
    auth,
    cells,
    completeness,
    goals,
    reorganisations,
    reported_figures,
    reports,
    spreadsheets,
    units,
    villages,
)

router = DefaultRouter(trailing_slash=True)
router.register("units", units.UnitViewSet, basename="unit")
router.register("villages", villages.VillageViewSet, basename="village")
router.register("cells", cells.PartyCellViewSet, basename="cell")
router.register("reports", reports.QuarterReportViewSet, basename="report")
router.register("reported-figures", reported_figures.ReportedFigureViewSet, basename="reported-figure")
router.register("goals", goals.GoalViewSet, basename="goal")
router.register("reorganisations", reorganisations.ReorganisationViewSet, basename="reorganisation")
router.register("approvals", approvals.ApprovalViewSet, basename="approval")
router.register(rf"units/(?P<code>{UNIT_CODE_REGEX})/approvals", approvals.UnitApprovalViewSet, basename="unit-approval")
router.register(rf"units/(?P<code>{UNIT_CODE_REGEX})/spreadsheets", spreadsheets.UnitSpreadsheetViewSet, basename="unit-spreadsheet")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("completeness/", completeness.CompletenessView.as_view(), name="completeness"),
    path("report-imports/<str:quarter>/", reports.ReportImportView.as_view(), name="report-import"),
    path("reports/import/<str:quarter>/", reports.FormerReportImportView.as_view(), name="report-import-former"),
    *router.urls,
]
