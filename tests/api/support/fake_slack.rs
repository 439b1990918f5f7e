//! A local fake of the Slack Web API: records calls, can answer 429 with Retry-After and ok:false errors.
