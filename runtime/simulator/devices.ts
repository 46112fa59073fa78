// The devices of the simulated network. Every number is on WhatsApp unless it starts with one of
// the absent prefixes or was removed; its device key pair is derived from the simulator's seed
// and the wa_id, so any number works without registration (load tests) and every simulator
// started with the same seed agrees. Registration gives a number a fresh random key pair (a new
// phone), removal takes it off WhatsApp.
import { createHmac } from "node:crypto";
import { BoxKeys, boxKeyPair, type KeyPair } from "../gateway/box.js";
import { waIdPattern } from "../gateway/urls.js";

export interface Device {
  readonly waId: string;
  readonly keys: KeyPair;
  readonly box: BoxKeys;
}

const maxCached = 200_000;

export class DeviceDirectory {
  private readonly cache = new Map<string, Device>();
  private readonly registered = new Map<string, Device>();
  private readonly removed = new Set<string>();

  constructor(private readonly seed: string, private readonly absentPrefixes: readonly string[]) {}

  /** The device of a number, or undefined when it is not on WhatsApp. */
  device(waId: string): Device | undefined {
    if (!waIdPattern.test(waId) || this.removed.has(waId)) return undefined;
    const registered = this.registered.get(waId);
    if (registered) return registered;
    if (this.absentPrefixes.some((p) => waId.startsWith(p))) return undefined;
    let device = this.cache.get(waId);
    if (!device) {
      device = makeDevice(waId, boxKeyPair(createHmac("sha256", this.seed).update(waId).digest()));
      if (this.cache.size >= maxCached) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(waId, device);
    }
    return device;
  }

  /** Puts a number on WhatsApp with a new random key pair, as a new phone would. */
  register(waId: string): Device {
    const device = makeDevice(waId, boxKeyPair());
    this.removed.delete(waId);
    this.registered.set(waId, device);
    return device;
  }

  /** Takes a number off WhatsApp. */
  remove(waId: string): void {
    this.registered.delete(waId);
    this.removed.add(waId);
  }

  /** Forgets registrations and removals. */
  reset(): void {
    this.registered.clear();
    this.removed.clear();
  }
}

function makeDevice(waId: string, keys: KeyPair): Device {
  return { waId, keys, box: new BoxKeys(keys.secretKey) };
}
