// Every route of the portal. Signed-out pages first, then the signed-in shell per organization.
import { Navigate, Route, Routes } from "react-router";
import { AdminLayout, OrgLayout, RequireUser } from "./components/layouts.tsx";
import { AcceptInvitationPage } from "./pages/accept-invitation.tsx";
import { AdminOrgsPage } from "./pages/admin-orgs.tsx";
import { AdminPricesPage } from "./pages/admin-prices.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { BillingPage } from "./pages/billing.tsx";
import { BillingReturnPage } from "./pages/billing-return.tsx";
import { DashboardPage } from "./pages/dashboard.tsx";
import { HomePage } from "./pages/home.tsx";
import { KeysPage } from "./pages/keys.tsx";
import { MembersPage } from "./pages/members.tsx";
import { ModelsPage } from "./pages/models.tsx";
import { NewOrgPage } from "./pages/new-org.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { PlaygroundPage } from "./pages/playground.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { ProvidersPage } from "./pages/providers.tsx";
import { ForgotPasswordPage, ResetPasswordPage } from "./pages/reset-password.tsx";
import { SettingsPage } from "./pages/settings.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { SignUpPage } from "./pages/sign-up.tsx";
import { UsagePage } from "./pages/usage.tsx";

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/sign-up" element={<SignUpPage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/invite" element={<AcceptInvitationPage />} />
      <Route element={<RequireUser />}>
        <Route index element={<HomePage />} />
        <Route path="/orgs/new" element={<NewOrgPage />} />
        <Route path="/billing" element={<BillingReturnPage />} />
        <Route path="/o/:slug" element={<OrgLayout />}>
          <Route index element={<DashboardPage />} />
          <Route path="playground" element={<PlaygroundPage />} />
          <Route path="keys" element={<KeysPage />} />
          <Route path="usage" element={<UsagePage />} />
          <Route path="billing" element={<BillingPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="projects" element={<ProjectsPage />} />
          <Route path="providers" element={<ProvidersPage />} />
          <Route path="models" element={<ModelsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
        <Route path="/admin" element={<AdminLayout />}>
          <Route index element={<Navigate to="orgs" replace />} />
          <Route path="orgs" element={<AdminOrgsPage />} />
          <Route path="prices" element={<AdminPricesPage />} />
        </Route>
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
