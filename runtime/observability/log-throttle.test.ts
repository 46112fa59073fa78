import { LogThrottle } from "./log-throttle.js";

test("logs the first occurrence, then one per interval carrying how many it skipped", () => {
  let now = 10_000;
  const throttle = new LogThrottle(1000, () => now);
  expect(throttle.admit()).toBe(0);
  for (let i = 0; i < 5; i++) { now += 100; expect(throttle.admit()).toBeUndefined(); }
  now += 500; // 1000 ms after the first line
  expect(throttle.admit()).toBe(5);
  now += 999;
  expect(throttle.admit()).toBeUndefined();
  now += 5000;
  expect(throttle.admit()).toBe(1);
});
