from django.urls import path
from rest_framework.routers import DefaultRouter

from . import approval_views, views

router = DefaultRouter(trailing_slash=True)
router.register("units", views.UnitViewSet, basename="unit")
router.register("villages", views.VillageViewSet, basename="village")
router.register("cells", views.PartyCellViewSet, basename="cell")
router.register("reports", views.QuarterReportViewSet, basename="report")
router.register("reported-figures", views.ReportedFigureViewSet, basename="reported-figure")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("reorganisations", views.ReorganisationViewSet, basename="reorganisation")
router.register("approvals", approval_views.ApprovalViewSet, basename="approval")
router.register(r"units/(?P<code>[0-9]{2,5})/approvals", approval_views.UnitApprovalViewSet, basename="unit-approval")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    *router.urls,
]
