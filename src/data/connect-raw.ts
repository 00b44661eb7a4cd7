// Connecting an upstream as a raw TCP handle (raw-tcp.ts), on a data-plane worker thread: what
// net.connect does for an IP address, without the net.Socket around it.
import { readFromConnect } from './raw-splice.ts';
import { rawTcp, type ConnectReq, type TcpHandle } from './raw-tcp.ts';

export type ConnectTarget = { onConnected(status: number): void };
type TargetReq = ConnectReq & { target?: ConnectTarget | null };

function onConnect(this: TargetReq, status: number): void {
  const t = this.target;
  this.target = null;
  t?.onConnected(status);
}

/** A new TCP handle connecting to host:port; `target.onConnected(status)` is called once (0 = connected,
 *  else a negative libuv error; closing the handle first cancels it with an error). Returns the
 *  handle, or a negative error when the connect could not even start. The handle is armed for
 *  reading with the connect (raw-splice.ts readFromConnect: one epoll registration, not two), so
 *  onConnected must hand it to rawSplice, or close it, before returning. */
export function connectRaw(host: string, port: number, target: ConnectTarget): TcpHandle | number {
  const b = rawTcp()!;
  const h = new b.TCP(b.SOCKET);
  const req = new b.TCPConnectWrap() as TargetReq;
  req.oncomplete = onConnect;
  req.address = host;
  req.port = port;
  req.target = target;
  const err = host.includes(':') ? h.connect6(req, host, port) : h.connect(req, host, port);
  if (err !== 0) { h.close(); return err; }
  // A failure here shows again when the splice starts reading, and fails the splice there.
  readFromConnect(h);
  return h;
}

