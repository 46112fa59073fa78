import { machineShares, parseCpuTimes } from "./machine.js";

const procStat = (user: number, system: number, idle: number, softirq: number, steal: number) =>
  `cpu  ${user} 0 ${system} ${idle} 10 0 ${softirq} ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`;

describe("the machine's CPU shares", () => {
  it("reads the aggregate cpu line of /proc/stat, not a single core's", () => {
    expect(parseCpuTimes(procStat(4052878, 656231, 5017158, 96819, 40964)))
      .toEqual({ user: 4052878, nice: 0, system: 656231, idle: 5017158, iowait: 10, irq: 0, softirq: 96819, steal: 40964 });
  });

  it("refuses a text without the aggregate line instead of answering zeros", () => {
    expect(() => parseCpuTimes("cpu0 1 2 3 4 5 6 7 8\n")).toThrow("/proc/stat");
  });

  it("splits a window into busy, kernel and steal as % of all cores' time", () => {
    const start = parseCpuTimes(procStat(1000, 100, 1000, 0, 0));
    // 200 ticks: 140 user, 30 system, 10 softirq, 10 idle, 10 steal; steal is not busy
    const end = parseCpuTimes(procStat(1140, 130, 1010, 10, 10));
    expect(machineShares(start, end)).toEqual({ busy: 90, kernel: 20, steal: 5 });
  });
});
