// new FormData(form): a worker has no HTMLFormElement, so any object argument throws TypeError.
export default {
  async fetch() {
    return respond({ object: ts(() => new FormData({})), formData: ts(() => new FormData(new FormData())) });
  },
};
