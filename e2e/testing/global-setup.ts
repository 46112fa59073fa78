// Replaced by the control-plane harness (issue 2).
export default async function globalSetup(): Promise<void> {}
