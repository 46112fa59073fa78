// Runs before each *.kube.test.ts file: waits on a real control plane (and starting private
// clusters) take seconds, not the 5 s Jest allows by default.
import.meta.jest.setTimeout(120_000);
