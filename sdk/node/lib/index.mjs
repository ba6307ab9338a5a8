// ES module entry: the same client as require('@didfarm/sdk').
import DIDfarm from './index.js';

export default DIDfarm;
export const {
  DIDfarm: Client,
  webhooks,
  OPERATIONS,
  VERSION,
  DEFAULT_BASE_URL,
  DIDfarmError,
  ConfigurationError,
  APIConnectionError,
  APITimeoutError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  ValidationError,
  RateLimitError,
  ServerError,
  WebhookVerificationError,
} = DIDfarm;
