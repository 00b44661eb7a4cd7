// A patch that cannot be applied (malformed, or a failed `test`). The apiserver answers such
// patches with 422 Invalid or 400 BadRequest; the caller decides. Pure.
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}
