import { environmentContract } from '../../../platform/environment-contract';

/** meta-handler.ts: health and the OpenAPI document; reads only what Lambda sets (LAMBDA_TASK_ROOT). */
export const META_ENVIRONMENT = environmentContract({});
