/** Limits shared by the function entry and the local server. */
export const MAX_BODY_BYTES = 1024 * 1024;
