// Every workflow the worker registers; bundled into Temporal's deterministic sandbox.
export { adAccountWorkflow } from './ad-account-workflow';
