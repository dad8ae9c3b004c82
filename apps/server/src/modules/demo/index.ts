// The demo module's public surface (issue 15): demo mode — the Google Workspace emulator started
// in-process by `safehold start` without Google credentials — and GET /api/demo, which tells the
// web app the demo accounts. It owns no table.
export { type DemoGoogle, type DemoInfo, startDemoGoogle, wantsDemoGoogle } from './demo-google.ts';
export { demoModule } from './routes.ts';
