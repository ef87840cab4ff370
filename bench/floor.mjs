// The floor: the least any Workers gateway can do — forward the body to the upstream with fetch.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(`${env.UPSTREAM}${url.pathname}`, {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      body: request.body,
    });
  },
};
