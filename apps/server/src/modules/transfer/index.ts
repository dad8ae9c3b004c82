// The transfer module's public surface (issue 15): transfer tokens over HTTP — the customer's
// Reseller Settings (generate, revoke, remove the partner, partner access), a partner's preview
// and redemption — and the token's text form. It owns the transfer_tokens table.
export { createTransferModule, transferModule } from './routes.ts';
export { generateTransferToken, hashTransferToken, parseTransferToken } from './token-format.ts';
