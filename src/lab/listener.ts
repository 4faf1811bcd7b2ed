import { createSocket } from 'node:dgram';
import { createServer, isIPv6, type Socket } from 'node:net';

export interface ListenerOptions {
  /** every port listens on each of these (a host's IPv4 and IPv6 address) */
  addresses: string[];
  tcp: number[];
  udpEcho: number[];
}

// A scan only needs the port to accept; a banner and a reply make a connect to the port look like the
// real service in a capture. Idle connections are closed so a forgotten client cannot pile them up.
const IDLE_MS = 10_000;
const SSH_BANNER = 'SSH-2.0-PortLab_lab\r\n';
const HTTP_BODY = 'PortLab lab target\n';
const HTTP_RESPONSE =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n' + `Content-Length: ${Buffer.byteLength(HTTP_BODY)}\r\nConnection: close\r\n\r\n${HTTP_BODY}`;
const MAX_REQUEST_BYTES = 8192;

function serveSsh(socket: Socket): void {
  socket.write(SSH_BANNER);
}

function serveHttp(socket: Socket): void {
  let request = '';
  socket.on('data', (chunk) => {
    request += chunk.toString('latin1');
    if (request.includes('\r\n\r\n') || request.includes('\n\n') || request.length > MAX_REQUEST_BYTES) socket.end(HTTP_RESPONSE);
  });
}

function serviceFor(port: number): (socket: Socket) => void {
  if (port === 22) return serveSsh;
  if (port === 80) return serveHttp;
  return () => {};
}

interface Closable {
  close(): unknown;
}

function listenTcp(address: string, port: number, opened: Closable[]): Promise<void> {
  const serve = serviceFor(port);
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    serve(socket);
  });
  opened.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port }, resolve);
  });
}

function listenUdpEcho(address: string, port: number, opened: Closable[]): Promise<void> {
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  opened.push(socket);
  socket.on('message', (msg, from) => socket.send(msg, from.port, from.address));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
}

/** The lab's open TCP ports and UDP echo ports: `portlab lab listen`, run inside a lab host's namespace. */
export async function runListener(opts: ListenerOptions): Promise<void> {
  const opened: Closable[] = [];
  try {
    await Promise.all(
      opts.addresses.flatMap((address) => [
        ...opts.tcp.map((port) => listenTcp(address, port, opened)),
        ...opts.udpEcho.map((port) => listenUdpEcho(address, port, opened)),
      ]),
    );
  } catch (err) {
    // Close what did open, or those sockets would keep a half-working listener alive.
    for (const handle of opened) handle.close();
    throw err;
  }
}
