import type { Redis, RedisOptions } from 'ioredis';

/** How a box is told where Redis is: a URL, ioredis options, or a connected ioredis instance. */
export type RedisConnectionOption = string | RedisOptions | Redis;
