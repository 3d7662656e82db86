// The router type reaches portal-server's request context, whose `request.cookies` and
// `reply.setCookie` come from @fastify/cookie's type augmentation. portal-server loads it in
// app.ts, which the type graph of `@gw/portal-server/router` does not reach; load it here so the
// web app's typecheck sees the same types. Types only: nothing of it is bundled.
/// <reference types="@fastify/cookie" />
