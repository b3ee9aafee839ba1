// piscina worker bootstrap: worker threads do not inherit the tsx loader of the main thread, so register it here
// before loading the TypeScript renderer (same pattern as pipelines/ingest-dsn/lecteur-worker.mjs).
import { register } from 'tsx/esm/api';

register();
const { rendreTache } = await import('./rendu-worker.ts');
export default rendreTache;
