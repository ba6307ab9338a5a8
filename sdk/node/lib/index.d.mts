// Type declarations of the ES module entry (the same client as the CommonJS one).
import DIDfarm from './index.js';

export default DIDfarm;
export declare const Client: typeof DIDfarm;
export declare const webhooks: typeof DIDfarm.webhooks;
export declare const OPERATIONS: typeof DIDfarm.OPERATIONS;
export declare const VERSION: string;
export declare const DEFAULT_BASE_URL: string;
export declare const DIDfarmError: typeof DIDfarm.DIDfarmError;
export declare const ConfigurationError: typeof DIDfarm.ConfigurationError;
export declare const APIConnectionError: typeof DIDfarm.APIConnectionError;
export declare const APITimeoutError: typeof DIDfarm.APITimeoutError;
export declare const APIError: typeof DIDfarm.APIError;
export declare const BadRequestError: typeof DIDfarm.BadRequestError;
export declare const AuthenticationError: typeof DIDfarm.AuthenticationError;
export declare const PermissionDeniedError: typeof DIDfarm.PermissionDeniedError;
export declare const NotFoundError: typeof DIDfarm.NotFoundError;
export declare const ConflictError: typeof DIDfarm.ConflictError;
export declare const PayloadTooLargeError: typeof DIDfarm.PayloadTooLargeError;
export declare const ValidationError: typeof DIDfarm.ValidationError;
export declare const RateLimitError: typeof DIDfarm.RateLimitError;
export declare const ServerError: typeof DIDfarm.ServerError;
export declare const WebhookVerificationError: typeof DIDfarm.WebhookVerificationError;
