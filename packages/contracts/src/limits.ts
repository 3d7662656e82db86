// The gateway's own bounds on a request's shape, the same in every dialect: a body past one is a 400
// naming the field before anything is counted or forwarded. Far above what real conversations and
// agents send (Claude Code offers a few dozen tools; OpenAI takes at most 128), far below what
// would make one request expensive to check.
export const MAX_MESSAGES = 10_000;
export const MAX_TOOLS = 512;

export const tooManyMessages = {
  error: `A request may carry at most ${MAX_MESSAGES} messages or input items.`,
};
export const tooManyTools = { error: `A request may offer at most ${MAX_TOOLS} tools.` };
