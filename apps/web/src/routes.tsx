// The app's routes (TanStack Router, code-based). Guards read the session (GET
// /api/auth/session) and send each visitor where their session stage allows: signed out →
// /sign-in, enrolment pending → /enrol, signed in → their own console.
import { Box } from '@mantine/core';
import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router';
import { asCustomerConsoleUser, type Console, homePath, type SessionUser, sessionQuery } from './api/identity.ts';
import { type ConsoleNavItem, ConsoleShell } from './components/console-shell.tsx';
import { JobNotifications } from './components/job-notifications.tsx';
import { PartnerSessionBanner } from './components/partner-session.tsx';
import { TrialDaysLeft } from './components/trial-days.tsx';
import { customerNavFor, customerRedirect, customerRoleOf, myBackupsPath } from './customer-roles.ts';
import { AccountLinkPage } from './pages/account-link.tsx';
import { AuditLogPage } from './pages/audit-log.tsx';
import { CustomerDashboardPage } from './pages/customer-dashboard.tsx';
import { CustomerLicenseManagerPage } from './pages/customer-license-manager.tsx';
import { CustomerSettingsPage } from './pages/customer-settings.tsx';
import { CustomerSharedDrivesPage } from './pages/customer-shared-drives.tsx';
import { CustomerUsersPage } from './pages/customer-users.tsx';
import { EnrolPage } from './pages/enrol.tsx';
import { MyBackupsPage } from './pages/my-backups.tsx';
import { NotFoundPage, RouteErrorPage } from './pages/not-found.tsx';
import { PartnerAlertsPage } from './pages/partner-alerts.tsx';
import { PartnerCustomerDetailPage } from './pages/partner-customer-detail.tsx';
import { PartnerCustomersPage } from './pages/partner-customers.tsx';
import { PartnerIntegrationsPage } from './pages/partner-integrations.tsx';
import { PartnerOverviewPage } from './pages/partner-overview.tsx';
import { PartnerPartnersPage } from './pages/partner-partners.tsx';
import { PartnerTeamPage } from './pages/partner-team.tsx';
import { UsagePage } from './pages/partner-usage.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/password-reset.tsx';
import { JobPage, RestoresExportsPage } from './pages/restores-exports.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TrialAuthorisePage, TrialStartPage } from './pages/trial.tsx';
import type { Viewer } from './pages/user-backups/contract.ts';
import { UserBackupsView } from './pages/user-backups/user-backups-view.tsx';
import { VendorHealthPage } from './pages/vendor-health.tsx';
import { VendorOutboxPage } from './pages/vendor-outbox.tsx';
import { VendorOverviewPage } from './pages/vendor-overview.tsx';
import { VendorPartnersPage } from './pages/vendor-partners.tsx';
import { partnerNavFor, partnerRoleOf } from './partner-roles.ts';

export interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundPage,
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: async ({ context }) => {
    throw redirect({ to: homePath(await context.queryClient.fetchQuery(sessionQuery)), replace: true });
  },
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: (search: Record<string, unknown>): { error?: string } =>
    typeof search.error === 'string' ? { error: search.error } : {},
  beforeLoad: async ({ context }) => {
    // The sign-in form is where everyone can start: if the session cannot be read, show it
    // anyway (submitting it reports the server's answer) rather than an error page.
    const state = await context.queryClient.fetchQuery(sessionQuery).catch(() => null);
    const target = state ? homePath(state) : '/sign-in';
    if (target !== '/sign-in') throw redirect({ to: target, replace: true });
  },
  component: SignInPage,
});

const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  component: ResetPasswordPage,
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  component: () => <AccountLinkPage kind="setup" />,
});

const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invite',
  component: () => <AccountLinkPage kind="invite" />,
});

const trialRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/trial',
  validateSearch: (search: Record<string, unknown>): { error?: string } =>
    typeof search.error === 'string' ? { error: search.error } : {},
  component: TrialStartPage,
});

const trialAuthoriseRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/trial/authorise',
  component: TrialAuthorisePage,
});

const enrolRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/enrol',
  beforeLoad: async ({ context }) => {
    const target = homePath(await context.queryClient.fetchQuery(sessionQuery));
    if (target !== '/enrol') throw redirect({ to: target, replace: true });
  },
  component: EnrolPage,
});

/** Lets only signed-in users of this console in, and gives the pages the user. */
async function requireConsole(queryClient: QueryClient, consoleKind: Console): Promise<{ user: SessionUser }> {
  const state = await queryClient.fetchQuery(sessionQuery);
  const session = state.session;
  // During a partner session the partner user is in the customer console (and only there).
  const user = session ? asCustomerConsoleUser(session.user) : null;
  if (session?.stage !== 'signed_in' || user?.console !== consoleKind) {
    throw redirect({ to: homePath(state), replace: true });
  }
  return { user };
}

const vendorNav: ConsoleNavItem[] = [
  { label: 'Overview', to: '/vendor' },
  { label: 'Partners', to: '/vendor/partners' },
  { label: 'Outbox', to: '/vendor/outbox' },
  { label: 'Installation health', to: '/vendor/health' },
  { label: 'Audit log', to: '/vendor/audit' },
];
/** The outbox can hold live sign-up and reset links: the server shows it to vendor admins only. */
const vendorNavFor = (user: SessionUser) =>
  user.role === 'admin' ? vendorNav : vendorNav.filter((item) => item.to !== '/vendor/outbox');
const partnerNav: ConsoleNavItem[] = [
  { label: 'Overview', to: '/partner' },
  { label: 'Customers', to: '/partner/customers' },
  // Distributors' child partners (issue 18 #8): owners and admins, who may onboard one.
  { label: 'Partners', to: '/partner/partners' },
  { label: 'Alerts', to: '/partner/alerts' },
  { label: 'Usage and billing', to: '/partner/usage' },
  { label: 'Team', to: '/partner/team' },
  { label: 'Integrations', to: '/partner/integrations' },
  { label: 'Audit log', to: '/partner/audit' },
];
const customerNav: ConsoleNavItem[] = [
  { label: 'Dashboard', to: '/customer' },
  { label: 'Users', to: '/customer/users' },
  { label: 'Shared drives', to: '/customer/shared-drives' },
  { label: 'Restores and exports', to: '/customer/restores' },
  { label: 'License Manager', to: '/customer/license-manager' },
  { label: 'Settings', to: '/customer/settings' },
  { label: 'Audit log', to: '/customer/audit' },
];
/** An end user's only page (their navigation is this link alone). */
const myBackupsNavItem: ConsoleNavItem = { label: 'My backups', to: myBackupsPath };

const vendorRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/vendor',
  beforeLoad: ({ context }) => requireConsole(context.queryClient, 'vendor'),
  component: function VendorConsole() {
    const { user } = vendorRoute.useRouteContext();
    return <ConsoleShell consoleName="Vendor console" organisation={null} user={user} nav={vendorNavFor(user)} />;
  },
});
const vendorHomeRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: '/',
  component: function VendorHomePage() {
    return <VendorOverviewPage user={vendorRoute.useRouteContext().user} />;
  },
});
const vendorPartnersRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: 'partners',
  component: VendorPartnersPage,
});
const vendorPartnerUsageRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: 'partners/$partnerId/usage',
  component: function VendorPartnerUsage() {
    const { partnerId } = vendorPartnerUsageRoute.useParams();
    return <UsagePage key={partnerId} partnerId={partnerId} namePartner />;
  },
});
const vendorAuditRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: 'audit',
  component: () => <AuditLogPage scope={{ kind: 'vendor' }} />,
});
const vendorOutboxRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: 'outbox',
  component: function VendorOutbox() {
    return <VendorOutboxPage user={vendorRoute.useRouteContext().user} />;
  },
});

const vendorHealthRoute = createRoute({
  getParentRoute: () => vendorRoute,
  path: 'health',
  component: function VendorHealth() {
    return <VendorHealthPage user={vendorRoute.useRouteContext().user} />;
  },
});

const partnerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/partner',
  beforeLoad: ({ context }) => requireConsole(context.queryClient, 'partner'),
  component: function PartnerConsole() {
    const { user } = partnerRoute.useRouteContext();
    return (
      <ConsoleShell
        consoleName="Reseller Console"
        organisation={user.partnerName}
        user={user}
        nav={partnerNavFor(partnerRoleOf(user), partnerNav)}
      />
    );
  },
});
const partnerHomeRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: '/',
  component: function PartnerHomePage() {
    return <PartnerOverviewPage user={partnerRoute.useRouteContext().user} />;
  },
});
const partnerCustomersRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'customers',
  validateSearch: (search: Record<string, unknown>): { partner?: string } =>
    typeof search.partner === 'string' ? { partner: search.partner } : {},
  component: function PartnerCustomers() {
    const { user } = partnerRoute.useRouteContext();
    const { partner } = partnerCustomersRoute.useSearch();
    const manages = ['owner', 'admin'].includes(user.role);
    return (
      <PartnerCustomersPage
        key={partner ?? ''}
        partnerId={user.partnerId ?? ''}
        mayAdd={manages}
        mayListPartners={manages}
        initialPartner={partner}
      />
    );
  },
});
const partnerPartnersRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'partners',
  component: function PartnerPartners() {
    return <PartnerPartnersPage user={partnerRoute.useRouteContext().user} />;
  },
});
const partnerCustomerDetailRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'customers/$customerId',
  component: function PartnerCustomerDetail() {
    const { user } = partnerRoute.useRouteContext();
    const { customerId } = partnerCustomerDetailRoute.useParams();
    return (
      <PartnerCustomerDetailPage
        partnerId={user.partnerId ?? ''}
        customerId={customerId}
        mayManage={['owner', 'admin'].includes(user.role)}
        mayOpenConsole={['owner', 'admin', 'technician'].includes(user.role)}
      />
    );
  },
});
const partnerAlertsRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'alerts',
  component: function PartnerAlerts() {
    const { user } = partnerRoute.useRouteContext();
    return (
      <PartnerAlertsPage
        partnerId={user.partnerId ?? ''}
        mayAcknowledge={['owner', 'admin', 'technician'].includes(user.role)}
      />
    );
  },
});
const partnerAuditRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'audit',
  component: function PartnerAudit() {
    return <AuditLogPage scope={{ kind: 'partner', partnerId: partnerRoute.useRouteContext().user.partnerId ?? '' }} />;
  },
});
const partnerIntegrationsRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'integrations',
  component: function PartnerIntegrations() {
    return <PartnerIntegrationsPage partnerId={partnerRoute.useRouteContext().user.partnerId ?? ''} />;
  },
});
const partnerUsageRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'usage',
  component: function PartnerUsage() {
    return <UsagePage partnerId={partnerRoute.useRouteContext().user.partnerId ?? ''} />;
  },
});
const partnerTeamRoute = createRoute({
  getParentRoute: () => partnerRoute,
  path: 'team',
  component: function PartnerTeam() {
    return <PartnerTeamPage user={partnerRoute.useRouteContext().user} />;
  },
});

const customerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/customer',
  // Each role opens only its pages (customer-roles.ts): an end user anything else is sent to
  // My backups, a help-desk admin the super admins' pages to the Dashboard, before any page
  // asks the server for what the role may not read.
  beforeLoad: async ({ context, location }) => {
    const { user } = await requireConsole(context.queryClient, 'customer');
    const target = customerRedirect(customerRoleOf(user), location.pathname);
    if (target) throw redirect({ to: target, replace: true });
    return { user };
  },
  component: function CustomerConsole() {
    const { user } = customerRoute.useRouteContext();
    const role = customerRoleOf(user);
    return (
      <ConsoleShell
        consoleName="Customer console"
        organisation={user.domain}
        user={user}
        nav={customerNavFor(role, customerNav, myBackupsNavItem)}
        banner={<PartnerSessionBanner user={user} />}
        headerExtra={
          <>
            {/* The trial is the administrators' business: an end user's header does without it. On a
                phone there is no room beside the notifications and "Sign out": the Dashboard says it. */}
            {role === 'end_user' ? null : (
              <Box visibleFrom="xs">
                <TrialDaysLeft />
              </Box>
            )}
            {user.customerId ? <JobNotifications owner={{ customerId: user.customerId, personId: user.id }} /> : null}
          </>
        }
      />
    );
  },
});
const customerDashboardRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: '/',
  component: function CustomerDashboard() {
    return <CustomerDashboardPage user={customerRoute.useRouteContext().user} />;
  },
});
const customerLicensesRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'license-manager',
  component: function CustomerLicenseManager() {
    return <CustomerLicenseManagerPage user={customerRoute.useRouteContext().user} />;
  },
});
const customerSettingsRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'settings',
  component: function CustomerSettingsRoute() {
    return <CustomerSettingsPage user={customerRoute.useRouteContext().user} />;
  },
});
const customerUsersRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'users',
  component: function CustomerUsers() {
    return <CustomerUsersPage user={customerRoute.useRouteContext().user} />;
  },
});
const customerSharedDrivesRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'shared-drives',
  component: function CustomerSharedDrives() {
    return <CustomerSharedDrivesPage user={customerRoute.useRouteContext().user} />;
  },
});
/** A customer administrator on a user's page: restore, export and back up anyone of the domain. */
const adminViewer: Viewer = { mode: 'admin', mayRestore: true, mayExport: true, mayBackUp: true };

const customerUserRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'users/$email',
  component: function CustomerUserBackups() {
    const { user } = customerRoute.useRouteContext();
    const { email } = customerUserRoute.useParams();
    return (
      <UserBackupsView
        key={email}
        customerId={user.customerId ?? ''}
        subject={{ kind: 'user', email }}
        viewer={adminViewer}
      />
    );
  },
});

const customerSharedDriveRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'shared-drives/$driveId',
  // The drive's name comes with the link (the Shared drives page knows it); the id otherwise.
  validateSearch: (search: Record<string, unknown>): { name?: string } =>
    typeof search.name === 'string' && search.name.length > 0 ? { name: search.name } : {},
  component: function CustomerSharedDriveBackups() {
    const { user } = customerRoute.useRouteContext();
    const { driveId } = customerSharedDriveRoute.useParams();
    const { name } = customerSharedDriveRoute.useSearch();
    return (
      <UserBackupsView
        key={driveId}
        customerId={user.customerId ?? ''}
        subject={{ kind: 'shared_drive', driveId, name: name ?? driveId }}
        viewer={adminViewer}
      />
    );
  },
});

const customerMyBackupsRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'my-backups',
  component: function CustomerMyBackups() {
    return <MyBackupsPage user={customerRoute.useRouteContext().user} />;
  },
});

const customerAuditRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'audit',
  component: function CustomerAudit() {
    return (
      <AuditLogPage scope={{ kind: 'customer', customerId: customerRoute.useRouteContext().user.customerId ?? '' }} />
    );
  },
});

// Restores and exports (issue 17): the tenant's list, and each job's own page.
const customerRestoresRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'restores',
  component: function CustomerRestores() {
    return <RestoresExportsPage customerId={customerRoute.useRouteContext().user.customerId ?? ''} />;
  },
});
const customerRestoreRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'restores/$restoreId',
  component: function CustomerRestore() {
    const { restoreId } = customerRestoreRoute.useParams();
    const customerId = customerRoute.useRouteContext().user.customerId ?? '';
    return <JobPage customerId={customerId} kind="restore" jobId={restoreId} />;
  },
});
const customerExportRoute = createRoute({
  getParentRoute: () => customerRoute,
  path: 'exports/$exportId',
  component: function CustomerExport() {
    const { exportId } = customerExportRoute.useParams();
    const customerId = customerRoute.useRouteContext().user.customerId ?? '';
    return <JobPage customerId={customerId} kind="export" jobId={exportId} />;
  },
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  signInRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  setupRoute,
  inviteRoute,
  trialRoute,
  trialAuthoriseRoute,
  enrolRoute,
  vendorRoute.addChildren([
    vendorHomeRoute,
    vendorPartnersRoute,
    vendorPartnerUsageRoute,
    vendorOutboxRoute,
    vendorHealthRoute,
    vendorAuditRoute,
  ]),
  partnerRoute.addChildren([
    partnerHomeRoute,
    partnerCustomersRoute,
    partnerPartnersRoute,
    partnerCustomerDetailRoute,
    partnerAlertsRoute,
    partnerUsageRoute,
    partnerTeamRoute,
    partnerIntegrationsRoute,
    partnerAuditRoute,
  ]),
  customerRoute.addChildren([
    customerDashboardRoute,
    customerUsersRoute,
    customerUserRoute,
    customerSharedDrivesRoute,
    customerSharedDriveRoute,
    customerLicensesRoute,
    customerSettingsRoute,
    customerMyBackupsRoute,
    customerAuditRoute,
    customerRestoresRoute,
    customerRestoreRoute,
    customerExportRoute,
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: false,
    defaultErrorComponent: RouteErrorPage,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
