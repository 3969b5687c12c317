// Timers, waitUntil and console output: the response is sent first, the log line follows.
let served = 0;

export default {
  async fetch(request, env, ctx) {
    served += 1;
    await new Promise((resolve) => setTimeout(resolve, 10));
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => console.log(`served ${served} from this isolate`)),
    );
    return Response.json({ served, greeting: env.GREETING ?? "hi" });
  },
};
