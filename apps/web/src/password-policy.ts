// The password rules the server enforces (12–256 characters, not the email), checked in the
// page first so people see the problem before submitting. The server stays the authority.
export const passwordMinLength = 12;
export const passwordMaxLength = 256;

export function passwordProblem(password: string, email: string): string | null {
  if (password.length < passwordMinLength) return `Use at least ${passwordMinLength} characters.`;
  if (password.length > passwordMaxLength) return `Use at most ${passwordMaxLength} characters.`;
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase())
    return 'Do not use your email as password.';
  return null;
}

export function confirmationProblem(password: string, confirmation: string): string | null {
  return password === confirmation ? null : 'The passwords do not match.';
}
