import type { Construct } from 'constructs';
import { renderOpenApiDocument } from '../../../api/openapi-document';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { META_ENVIRONMENT } from '../functions/environment';
import { OPENAPI_DOCUMENT_FILE } from '../functions/meta-files';

export type MetaModuleProps = ItsmModuleProps;

/** The API's own routes (health, the OpenAPI document): no table, no grant. */
export class MetaModule extends ItsmModule {
  readonly meta: ItsmFunction;

  constructor(scope: Construct, props: MetaModuleProps) {
    super(scope, props);
    const meta = new ItsmFunction(scope, 'MetaFunction', {
      entry: 'src/modules/meta/functions/meta-handler.ts',
      serviceName: 'meta',
      logRetention: props.logRetention,
      logKey: props.data.key,
      memorySize: 256,
      environment: environmentOf(META_ENVIRONMENT, {}),
      // Rendered at synth: building it from every route's zod schemas cost the first
      // GET /openapi.json of a container ~0.8 s in the bench (full CPU), more at 256 MB's share.
      bundledFiles: { [OPENAPI_DOCUMENT_FILE]: renderOpenApiDocument },
    });

    this.meta = meta;
    this.apiFunctions.meta = meta.function;
    this.functions.push(meta);
  }
}
