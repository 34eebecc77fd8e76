/** Cinnabar's own version, and the Redis API level it matches (INFO redis_version). */
export const VERSION = '0.1.0';
export const REDIS_VERSION = '7.0.15';
