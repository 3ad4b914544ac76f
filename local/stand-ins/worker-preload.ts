/**
 * Bundled by the function host next to the functions and loaded by local/lambda-worker.js in each
 * worker before the handler's bundle: the worker's environment names the stand-in files.
 */
import { registerLocalStandIns } from './register-stand-ins';

registerLocalStandIns(process.env);
