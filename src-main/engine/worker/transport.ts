// Message transport of the engine child process: the one seam between the engine and its host (Node fork or Electron utilityProcess).

import type { ChildMessage } from '../../shared/worker-protocol.js';

export interface EngineTransport {
  /** Sends a message to the supervisor; resolves once it has been handed to the OS (so a crash right after cannot lose it). */
  send(message: ChildMessage): Promise<void>;
  /** Every message from the supervisor, not yet validated. */
  onMessage(callback: (message: unknown) => void): void;
  /** The supervisor went away; the engine shuts down. */
  onClose(callback: () => void): void;
}
