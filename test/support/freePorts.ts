import * as net from 'node:net';

/** A gRPC port whose Web UI port (1000 above) is free too, as the local dev server needs both. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0);
    if (
      port + 1000 < 65536 &&
      (await listenOnce(port + 1000).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
  throw new Error('no free pair of ports found');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
