export { createFastFetch } from "./fast-fetch.ts";
export { createGuardedFetch } from "./guarded-fetch.ts";
export { assertPublicUrl, isPublicAddress, UnsafeUrlError } from "./public-address.ts";
export { createSecretBox, lastFour, providerKeyOwner, type SecretBox, SecretBoxError } from "./secret-box.ts";
