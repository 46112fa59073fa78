// What a username and a password must look like (the on-prem client's rules).

/** 4-32 characters: letters, digits and . _ - @ (they appear in paths, so nothing to escape). */
export const usernamePattern = /^[A-Za-z0-9._@-]{4,32}$/;

/** Why a password is refused, or undefined when it is acceptable. Never echoes the password. */
export function passwordProblem(password: string): string | undefined {
  const length = Array.from(password).length;
  if (length < 8 || length > 64) return "must be 8 to 64 characters";
  const missing = [
    [/[A-Z]/, "an upper-case letter"],
    [/[a-z]/, "a lower-case letter"],
    [/[0-9]/, "a digit"],
    [/[^A-Za-z0-9]/, "a special character"],
  ].filter(([re]) => !(re as RegExp).test(password)).map(([, what]) => what as string);
  if (missing.length) return `must contain ${missing.join(", ")}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) return "must not contain control characters";
  return undefined;
}
