// new FormData(form) with objects that are not an HTMLFormElement (workerd ignores the argument; WebIDL throws TypeError).
export default {
  async fetch() {
    return respond({ object: ts(() => new FormData({})), formData: ts(() => new FormData(new FormData())) });
  },
};
