// Ports of the local processes (the ingress, the Temporal dev server, the SDK's metrics exporter):
// which number a variable asks for, whether it is free, and a free one when any will do.
import net from 'node:net';
import getPort from 'get-port';

/** How many times a start that lost a chosen port to another process is tried again, on new ports. */
export const PORT_ATTEMPTS = 3;

/**
 * A port a configuration variable asks for, on 127.0.0.1. `port` 0: any free one. `fixed`: the
 * variable was set, so that port or a start-up error naming it; otherwise a taken default gives
 * way to a free port. `hint` ends the error (default: `choose another, or 0 for a free one`).
 */
export interface PortRequest {
  variable: string;
  port: number;
  fixed: boolean;
  hint?: string;
}

/** A port a {@link PortRequest} needs is taken; the message names the variable, the port and what to do. */
export class PortInUseError extends Error {
  constructor(request: PortRequest, port = request.port) {
    super(`${request.variable}: port ${port} is in use; ${request.hint ?? 'choose another, or 0 for a free one'}`);
  }
}

/** True when nothing listens on `host`:`port` (checked by listening on it for a moment). */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = net.createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * The port to use for `request`: a free one for 0; the asked one when free; a free one instead
 * when a default (not `fixed`) is taken. Ports handed out here are not handed out again by this
 * process for a while (get-port's lock), so two parts of one start never get the same number.
 * @throws PortInUseError when a `fixed` port is taken.
 */
export async function choosePort(request: PortRequest, host = '127.0.0.1'): Promise<number> {
  if (request.port === 0) return getPort({ host });
  if (request.fixed) {
    if (!(await isPortFree(request.port, host))) throw new PortInUseError(request);
    return request.port;
  }
  return getPort({ host, port: request.port });
}

/** True when `error`, or a cause under it, says an address (host and port) is already in use. */
export function isAddressInUse(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /address already in use/i.test(String(e))) return true;
  }
  return false;
}
