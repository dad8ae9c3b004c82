// One log line per request, when its answer has been sent: method, path (no query string),
// status, time taken and — from the request's child logger — the request id. Fastify's own
// request logging writes two ("incoming request" when it arrives, "request completed" when it
// ends), so every request was logged twice; this controller keeps only the second. It names the
// trace id too (the request id, trace.ts): the line is written when the answer is sent, which may
// be outside the request's trace context.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      traceId: request.id,
      req: request,
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
