// `window.knp`: set by the Electron preload (electron/preload/index.ts); absent in the web harness,
// where renderer/src/bridge/web-bridge.ts provides the same KnpBridge over HTTP.
import type { KnpBridge } from '../../electron/ipc-contract';

declare global {
  interface Window {
    knp?: KnpBridge;
  }
}
