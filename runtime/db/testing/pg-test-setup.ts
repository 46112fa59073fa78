// Runs before each *.pg.test.ts file: these suites start servers and processes and hash with
// scrypt; on a loaded 2-core machine that takes longer than the 5 s Jest allows by default.
import.meta.jest.setTimeout(60_000);
