// Slow clients are cut off: the ingress runs with 1-second request and header timeouts, and a
// client that trickles its body (or its headers) one byte at a time never gets to finish it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app';

let testApp: TestApp;

/** What a trickling client saw: the bytes it managed to send and the server's answer until the socket closed. */
async function trickle(url: string, head: string, slowPart: string): Promise<{ sent: number; answer: string }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let answer = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => {});
  const done = new Promise<void>((resolve) => socket.on('close', () => ((closed = true), resolve())));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(head);
  let sent = 0;
  // One byte every 250 ms: the slow part would take far longer than the 1-second timeouts.
  for (const byte of slowPart) {
    if (closed || answer !== '') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (closed) break;
    socket.write(byte);
    sent += 1;
  }
  socket.end();
  await done;
  return { sent, answer };
}

describe('ingress timeouts', () => {
  before(async () => {
    testApp = await startTestApp({ ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: '1', ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS: '1', ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1' });
  });
  after(async () => {
    await testApp?.stop();
  });

  it('a body trickled slower than the request timeout is cut off with 408 before it is complete', async () => {
    const body = JSON.stringify({ records: [{ touchpoint_id: 'slow', padding: 'x'.repeat(200) }] });
    const head = `POST /v1/touchpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { sent, answer } = await trickle(testApp.app.ingressUrl, head, body);
    assert.ok(sent < body.length, `the whole body was accepted (${sent} bytes)`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  it('headers trickled slower than the header timeout are cut off with 408', async () => {
    const headers = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'y'.repeat(200)}\r\n\r\n`;
    const { sent, answer } = await trickle(testApp.app.ingressUrl, 'GET /healthz HTTP/1.1\r\n', headers.slice('GET /healthz HTTP/1.1\r\n'.length));
    assert.ok(sent < headers.length - 24, `all headers were accepted (${sent} bytes)`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  it('a prompt request is answered as usual', async () => {
    const response = await fetch(`${testApp.app.ingressUrl}/healthz`);
    assert.equal(response.status, 200);
  });
});
