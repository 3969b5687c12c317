// request: {"method": "PUT", "headers": {"content-type": "application/json"}, "body": "{\"n\": [1, 2, {\"k\": null}]}"}
// The incoming request body read as JSON, then a second read fails.
export default {
  async fetch(request) {
    return respond({ json: await request.json(), again: await t(() => request.json()), method: request.method });
  },
};
