// A KnpApi whose every method is a vi.fn resolving to a recognisable value.
import { vi } from 'vitest';
import { KNP_METHODS, type KnpApi } from '../../../electron/ipc-contract';

export type FakeApi = KnpApi & { [M in keyof KnpApi]: ReturnType<typeof vi.fn<(args: unknown) => Promise<unknown>>> };

export function fakeApi(): FakeApi {
  return Object.fromEntries(KNP_METHODS.map((m) => [m, vi.fn(async (args: unknown) => ({ method: m, args }))])) as unknown as FakeApi;
}
