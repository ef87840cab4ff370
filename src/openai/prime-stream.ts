// Waits for a stream's first chunk before the gateway commits to it: until then a failure can
// still fail over to another target; after it, output has started and must not be duplicated.
import { UpstreamError } from '../providers/types';

export async function primeStream(
  stream: ReadableStream<Uint8Array>,
  provider: string,
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const first = await reader.read().catch((error: unknown) => {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('network', 0, `${provider} failed before the stream started.`);
  });
  if (first.done) throw new UpstreamError('server', 200, `${provider} sent an empty stream.`);
  let pending: Uint8Array | undefined = first.value;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = undefined;
          return;
        }
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
