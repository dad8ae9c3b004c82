// Entry point of the single-page app: Mantine's theme, TanStack Query's cache and the router.
import '@mantine/core/styles.css';
import { Alert, Badge, createTheme, MantineProvider, Modal, Pagination } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api/client.ts';
import { pagerControlName, pagerPageName } from './components/pager-labels.ts';
import { createAppRouter } from './routes.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  components: {
    // A badge in a narrow table cell would shrink and cut its word ("SUCCE…"): keep it whole.
    Badge: Badge.extend({ styles: { root: { minWidth: 'max-content' }, label: { overflow: 'visible' } } }),
    // Icon-only buttons get their accessible names here, once for every page and dialog.
    Pagination: Pagination.extend({
      defaultProps: {
        getControlProps: (control) => ({ 'aria-label': pagerControlName(control) }),
        getItemProps: (page) => ({ 'aria-label': pagerPageName(page) }),
      },
    }),
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Alert: Alert.extend({ defaultProps: { closeButtonLabel: 'Dismiss' } }),
  },
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx answer will not change on retry; a network blip might.
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
});
const router = createAppRouter(queryClient);

// The server's Content-Security-Policy allows only <style> elements carrying this page's nonce
// (no 'unsafe-inline'); Mantine puts it on the styles it adds.
const styleNonce = document.querySelector<HTMLMetaElement>('meta[name="safehold-style-nonce"]')?.content ?? '';
// The scroll lock of Mantine's Modal and Drawer (react-remove-scroll) adds its <style> through
// get-nonce: without the nonce the browser refuses it, with a console error, each time one opens.
setNonce(styleNonce);

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" getStyleNonce={() => styleNonce}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
