// Type declarations of @didfarm/sdk. Parameters are written in camelCase (as here) or in the API's
// snake_case; results keep the API's own field names. Money in results is a string (exact).

/// <reference types="node" />

declare namespace DIDfarm {
  interface ClientOptions {
    /** Defaults to the DIDFARM_API_KEY environment variable. */
    apiKey?: string;
    /** The API root, e.g. http://127.0.0.1:8000/api/v1. Defaults to DIDFARM_BASE_URL, then https://api.didfarm.com/v1. */
    baseUrl?: string;
    /** Milliseconds per attempt (default 30000). */
    timeout?: number;
    /** Retries after a 429, or after a 5xx or lost connection where repeating is safe (default 2). */
    maxRetries?: number;
    /** The longest Retry-After waited for, in milliseconds (default 60000). */
    maxRetryWait?: number;
    /** Headers sent with every request. */
    headers?: Record<string, string>;
    /** A fetch implementation (default: the global fetch). */
    fetch?: typeof fetch;
  }

  interface RequestOptions {
    /** Sent as Idempotency-Key on a POST (one is made otherwise, and reused on retries). */
    idempotencyKey?: string;
    timeout?: number;
    maxRetries?: number;
    headers?: Record<string, string>;
  }

  /** A JSON object of the API: its fields as the API names them. */
  interface ApiObject { [field: string]: any; }

  /** One page of a list: an array with the page's meta; nextPage() fetches the next one. */
  interface Page<T = ApiObject> extends Array<T> {
    meta: ApiObject;
    hasMore: boolean;
    nextPage(): Promise<Page<T> | null>;
  }

  /** A page, also iterable with `for await` over every item of every page. */
  interface PagePromise<T = ApiObject> extends Promise<Page<T>>, AsyncIterable<T> {}

  /** A file to upload: a Blob, a Buffer, or its bytes with a name and content type. */
  type FileInput = Blob | Buffer | { data: Blob | Buffer | Uint8Array | string; filename?: string; contentType?: string };

  interface AccountMeParams {
    [param: string]: unknown;
  }
  interface AccountResource {
    /** Check a key: the account, client scope and limits it carries. `GET /me` */
    me(params?: AccountMeParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface ApiKeysCreateParams {
    name: string;
    readOnly?: boolean;
    /** Bind the key to one client: 42 or the prefixed id */
    clientId?: string | null;
    /** Optional. ISO 8601 (e.g. 2027-06-30T23:59:00Z); the key stops working then. Must be in the future. */
    expiresAt?: string | null;
    /** Optional. IP addresses and CIDR ranges, IPv4 or IPv6 (e.g. ["203.0.113.7", "2001:db8::/32"]); requests from anywhere else are refused with 403 ip_not_ */
    allowedIps?: Array<string>;
    [param: string]: unknown;
  }
  interface ApiKeysGetParams {
    [param: string]: unknown;
  }
  interface ApiKeysListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface ApiKeysRevokeParams {
    [param: string]: unknown;
  }
  interface ApiKeysResource {
    /** Create an API key. `POST /api-keys` */
    create(params: ApiKeysCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** One API key. `GET /api-keys/{key_id}` */
    get(keyId: string | number, params?: ApiKeysGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** API keys (never the keys themselves). `GET /api-keys` */
    list(params?: ApiKeysListParams, options?: RequestOptions): PagePromise;
    /** Revoke an API key (effective immediately). `DELETE /api-keys/{key_id}` */
    revoke(keyId: string | number, params?: ApiKeysRevokeParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface AuditLogListParams {
    action?: string;
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface AuditLogResource {
    /** Who changed what (owners and admins). `GET /audit-log` */
    list(params?: AuditLogListParams, options?: RequestOptions): PagePromise;
  }

  interface CallsGetParams {
    [param: string]: unknown;
  }
  interface CallsListParams {
    clientId?: string;
    cursor?: string;
    /** First day (UTC), e.g. 2026-03-01 */
    dateFrom?: string;
    /** Last day (UTC), inclusive */
    dateTo?: string;
    limit?: number;
    /** 42, num_42 or +31201234567 */
    number?: string;
    status?: "in_progress" | "completed" | "missed" | "busy" | "refused";
    /** 7 or trk_a1b2c3d4 */
    trunk?: string;
    [param: string]: unknown;
  }
  interface CallsResource {
    /** One call record. `GET /calls/{call_id}` */
    get(callId: string | number, params?: CallsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Call records of your numbers, newest first (cursor pagination). `GET /calls` */
    list(params?: CallsListParams, options?: RequestOptions): PagePromise;
  }

  interface ClientsCostsParams {
    from?: string;
    to?: string;
    [param: string]: unknown;
  }
  interface ClientsCostsCsvParams {
    from?: string;
    to?: string;
    [param: string]: unknown;
  }
  interface ClientsCreateParams {
    name: string;
    email?: unknown;
    reference?: string;
    /** Invite this person as the client's admin. */
    adminEmail?: unknown;
    adminName?: string;
    [param: string]: unknown;
  }
  interface ClientsGetParams {
    [param: string]: unknown;
  }
  interface ClientsListParams {
    limit?: number;
    page?: number;
    search?: string;
    [param: string]: unknown;
  }
  interface ClientsUpdateParams {
    name?: string;
    email?: unknown;
    reference?: string;
    isActive?: boolean;
    [param: string]: unknown;
  }
  interface ClientsResource {
    /** A client's costs: wholesale, client price and margin by kind, number and month. `GET /clients/{client_id}/costs` */
    costs(clientId: string | number, params?: ClientsCostsParams, options?: RequestOptions): Promise<ApiObject>;
    /** A client's charges in the period as CSV, one row per ledger entry. `GET /clients/{client_id}/costs.csv` */
    costsCsv(clientId: string | number, params?: ClientsCostsCsvParams, options?: RequestOptions): Promise<Buffer>;
    /** Create an end client (and invite its admin). `POST /clients` */
    create(params: ClientsCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** One end client. `GET /clients/{client_id}` */
    get(clientId: string | number, params?: ClientsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your end clients. `GET /clients` */
    list(params?: ClientsListParams, options?: RequestOptions): PagePromise;
    /** Change a client. `PATCH /clients/{client_id}` */
    update(clientId: string | number, params?: ClientsUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface ComplianceProfilesCreateParams {
    clientId?: string | null;
    /** * `person` - Person */
    endUserType?: "person" | "business";
    name?: string;
    registrationNumber?: string;
    street?: string;
    postalCode?: string;
    city?: string;
    /** ISO 3166-1 alpha-2 */
    addressCountry?: string;
    countries?: Array<string>;
    /** local, mobile, national, toll_free, short_code */
    numberTypes?: Array<string>;
    [param: string]: unknown;
  }
  interface ComplianceProfilesDeleteParams {
    [param: string]: unknown;
  }
  interface ComplianceProfilesAddDocumentsParams {
    /** PDF, JPEG or PNG, at most 20 MB (or send fields named after types) */
    file: string | Blob | Buffer;
    /** * `id_document` - Identity document (passport or ID card) */
    documentType: "id_document" | "proof_of_address" | "company_registration" | "letter_of_authorization" | "bill" | "other";
    /** Files, each under the form field the API names (file, id_document, ...). */
    [field: string]: FileInput | string | number | boolean | null | undefined;
  }
  interface ComplianceProfilesDeleteDocumentParams {
    [param: string]: unknown;
  }
  interface ComplianceProfilesDownloadDocumentParams {
    [param: string]: unknown;
  }
  interface ComplianceProfilesGetParams {
    [param: string]: unknown;
  }
  interface ComplianceProfilesListParams {
    clientId?: string;
    limit?: number;
    page?: number;
    status?: "draft" | "submitted" | "approved" | "rejected" | "expired";
    [param: string]: unknown;
  }
  interface ComplianceProfilesSubmitParams {
    [param: string]: unknown;
  }
  interface ComplianceProfilesUpdateParams {
    clientId?: string | null;
    /** * `person` - Person */
    endUserType?: "person" | "business";
    name?: string;
    registrationNumber?: string;
    street?: string;
    postalCode?: string;
    city?: string;
    /** ISO 3166-1 alpha-2 */
    addressCountry?: string;
    countries?: Array<string>;
    /** local, mobile, national, toll_free, short_code */
    numberTypes?: Array<string>;
    [param: string]: unknown;
  }
  interface ComplianceProfilesResource {
    /** Create a compliance profile (a draft: add documents, then submit it). `POST /compliance-profiles` */
    create(params?: ComplianceProfilesCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** Delete a draft or rejected profile and its documents. `DELETE /compliance-profiles/{profile_id}` */
    delete(profileId: string | number, params?: ComplianceProfilesDeleteParams, options?: RequestOptions): Promise<null>;
    /** Upload documents to a draft or rejected profile (PDF, JPEG or PNG, 20 MB each). `POST /compliance-profiles/{profile_id}/documents` */
    addDocuments(profileId: string | number, params: ComplianceProfilesAddDocumentsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Remove a document from a draft or rejected profile. `DELETE /compliance-profiles/{profile_id}/documents/{document_id}` */
    deleteDocument(profileId: string | number, documentId: string | number, params?: ComplianceProfilesDeleteDocumentParams, options?: RequestOptions): Promise<null>;
    /** Download one of a profile's documents. `GET /compliance-profiles/{profile_id}/documents/{document_id}` */
    downloadDocument(profileId: string | number, documentId: string | number, params?: ComplianceProfilesDownloadDocumentParams, options?: RequestOptions): Promise<Buffer>;
    /** One compliance profile, with its documents and status. `GET /compliance-profiles/{profile_id}` */
    get(profileId: string | number, params?: ComplianceProfilesGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your compliance profiles, newest first. `GET /compliance-profiles` */
    list(params?: ComplianceProfilesListParams, options?: RequestOptions): PagePromise;
    /** Submit a profile for review (every required document must be there). `POST /compliance-profiles/{profile_id}/submit` */
    submit(profileId: string | number, params?: ComplianceProfilesSubmitParams, options?: RequestOptions): Promise<ApiObject>;
    /** Change a draft or rejected profile (only the keys sent change). `PUT /compliance-profiles/{profile_id}` */
    update(profileId: string | number, params?: ComplianceProfilesUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface EventsGetParams {
    [param: string]: unknown;
  }
  interface EventsListParams {
    event?: "number.provisioned" | "number.activated" | "number.released" | "number.expiring" | "number.suspended" | "number.ported" | "number.test_call_failed" | "number.test_call_recovered" | "payment.succeeded" | "payment.failed" | "regulatory.approved" | "regulatory.rejected" | "trunk.registered" | "trunk.offline" | "call.received" | "call.completed" | "message.received" | "message.status" | "client.created" | "client.updated" | "wallet.credited" | "wallet.debited" | "wallet.low_balance";
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface EventsResource {
    /** One event. `GET /events/{event_id}` */
    get(eventId: string | number, params?: EventsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Events recorded for your account. `GET /events` */
    list(params?: EventsListParams, options?: RequestOptions): PagePromise;
  }

  interface InvoicesCreditNoteParams {
    /** Printed on the credit note */
    reason: string;
    [param: string]: unknown;
  }
  interface InvoicesCsvParams {
    [param: string]: unknown;
  }
  interface InvoicesDraftParams {
    /** 42 or cli_42 */
    clientId: string;
    /** YYYY-MM, from 2000-01 (default: this month) */
    month?: string;
    [param: string]: unknown;
  }
  interface InvoicesGetParams {
    [param: string]: unknown;
  }
  interface InvoicesIssueParams {
    [param: string]: unknown;
  }
  interface InvoicesReissueParams {
    [param: string]: unknown;
  }
  interface InvoicesListParams {
    clientId?: string;
    limit?: number;
    page?: number;
    status?: "draft" | "issued";
    [param: string]: unknown;
  }
  interface InvoicesMessagesCsvParams {
    [param: string]: unknown;
  }
  interface InvoicesMarkPaidParams {
    /** false takes a payment recorded by mistake back */
    paid?: boolean;
    [param: string]: unknown;
  }
  interface InvoicesPdfParams {
    [param: string]: unknown;
  }
  interface InvoicesSendParams {
    [param: string]: unknown;
  }
  interface InvoicesUblParams {
    [param: string]: unknown;
  }
  interface InvoicesResource {
    /** Cancel an issued invoice with a credit note (numbered in its own series, sent to the client). `POST /invoices/{invoice_id}/credit-note` */
    creditNote(invoiceId: string | number, params: InvoicesCreditNoteParams, options?: RequestOptions): Promise<ApiObject>;
    /** An invoice's lines as CSV. `GET /invoices/{invoice_id}/csv` */
    csv(invoiceId: string | number, params?: InvoicesCsvParams, options?: RequestOptions): Promise<Buffer>;
    /** Prepare (or bring up to date) a client's draft invoice for a month. `POST /invoices/draft` */
    draft(params: InvoicesDraftParams, options?: RequestOptions): Promise<ApiObject>;
    /** One invoice with its lines. `GET /invoices/{invoice_id}` */
    get(invoiceId: string | number, params?: InvoicesGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Issue a draft of a month that is over: it is numbered and frozen. `POST /invoices/{invoice_id}/issue` */
    issue(invoiceId: string | number, params?: InvoicesIssueParams, options?: RequestOptions): Promise<ApiObject>;
    /** Invoice a credited invoice's month again: a corrected draft that replaces it (issue it to number it). `POST /invoices/{invoice_id}/reissue` */
    reissue(invoiceId: string | number, params?: InvoicesReissueParams, options?: RequestOptions): Promise<ApiObject>;
    /** Client invoices, newest month first (client-scoped keys: their own issued invoices). `GET /invoices` */
    list(params?: InvoicesListParams, options?: RequestOptions): PagePromise;
    /** Every text message behind an invoice's SMS summary, one row each, as CSV. `GET /invoices/{invoice_id}/messages.csv` */
    messagesCsv(invoiceId: string | number, params?: InvoicesMessagesCsvParams, options?: RequestOptions): Promise<Buffer>;
    /** Record that an issued invoice was paid (or take that back with `paid: false`); owners and admins. `POST /invoices/{invoice_id}/paid` */
    markPaid(invoiceId: string | number, params?: InvoicesMarkPaidParams, options?: RequestOptions): Promise<ApiObject>;
    /** An invoice as PDF. `GET /invoices/{invoice_id}/pdf` */
    pdf(invoiceId: string | number, params?: InvoicesPdfParams, options?: RequestOptions): Promise<Buffer>;
    /** Email an issued invoice or credit note to the client's billing email again. `POST /invoices/{invoice_id}/send` */
    send(invoiceId: string | number, params?: InvoicesSendParams, options?: RequestOptions): Promise<ApiObject>;
    /** An issued invoice or credit note as UBL 2.1 XML (EN 16931, Peppol BIS Billing 3.0). `GET /invoices/{invoice_id}/ubl` */
    ubl(invoiceId: string | number, params?: InvoicesUblParams, options?: RequestOptions): Promise<Buffer>;
  }

  interface MessagesSendParams {
    /** One of your SMS-enabled numbers, E.164 */
    from: string;
    /** Destination in E.164 (+31612345678) */
    to: string;
    /** Up to 1,600 characters */
    body: string;
    /** Attribute the cost to this client */
    clientId?: string | null;
    [param: string]: unknown;
  }
  interface MessagesResource {
    /** Send an SMS from one of your numbers (charged per segment). `POST /messages/send` */
    send(params: MessagesSendParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface NumbersAvailableParams {
    areaCode?: string;
    capabilities?: string;
    contains?: string;
    country: string;
    limit?: number;
    type?: "local" | "mobile" | "national" | "toll_free" | "short_code";
    [param: string]: unknown;
  }
  interface NumbersConfigureParams {
    label?: string | null;
    /** * `active` - active */
    status?: "active" | "inactive";
    capabilities?: Array<string>;
    forwardingNumber?: string | null;
    /** One URL for all of this number's events (SMS and voice); "" or null detaches. sms_webhook_url and voice_webhook_url, when set, take their events inste */
    webhookUrl?: string | null;
    /** Where this number's message events go (inbound SMS, delivery statuses); "" or null: to its webhook_url */
    smsWebhookUrl?: string | null;
    /** Where this number's other events go (provisioned, live, suspended, released…); "" or null: to its webhook_url */
    voiceWebhookUrl?: string | null;
    smsForwarding?: string | null;
    /** A compliance profile (cpr_…); "" or null detaches */
    complianceProfileId?: string | null;
    /** Alias of compliance_profile_id */
    providerBundleId?: string | null;
    tags?: Array<string>;
    clientId?: string | null;
    cancelAtPeriodEnd?: boolean;
    /** Accepted for compatibility with Orbit's clients; no carrier here takes per-number channel overrides, so it changes nothing */
    channelConfig?: Record<string, unknown>;
    [param: string]: unknown;
  }
  interface NumbersGetParams {
    [param: string]: unknown;
  }
  interface NumbersListParams {
    capabilities?: "voice" | "sms" | "mms" | "fax";
    clientId?: string;
    country?: string;
    cursor?: string;
    digits?: string;
    limit?: number;
    status?: "provisioning" | "pending_regulatory" | "active" | "inactive" | "suspended" | "failed";
    tag?: string;
    [param: string]: unknown;
  }
  interface NumbersOrderParams {
    /** A compliance profile (cpr_…) for the numbers that need documents: approved, they go live at once; otherwise they wait for its approval. */
    complianceProfileId?: string | null;
    /** Alias of compliance_profile_id */
    providerBundleId?: string | null;
    /** From search results; spaces and dashes allowed */
    number: string;
    /** * `monthly` - Monthly */
    billingCycle?: "monthly" | "quarterly" | "annual";
    forwarding?: string;
    clientId?: string | null;
    [param: string]: unknown;
  }
  interface NumbersPurchaseParams {
    /** A compliance profile (cpr_…) for the numbers that need documents: approved, they go live at once; otherwise they wait for its approval. */
    complianceProfileId?: string | null;
    /** Alias of compliance_profile_id */
    providerBundleId?: string | null;
    phoneNumber?: string;
    /** Alias of phone_number */
    number?: string;
    countryCode?: string;
    capabilities?: Array<string>;
    /** Inventory row id from /numbers/available */
    id?: string;
    /** * `monthly` - Monthly */
    billingCycle?: "monthly" | "quarterly" | "annual";
    clientId?: string | null;
    [param: string]: unknown;
  }
  interface NumbersReleaseParams {
    [param: string]: unknown;
  }
  interface NumbersTestCallParams {
    [param: string]: unknown;
  }
  interface NumbersTestCallResultParams {
    [param: string]: unknown;
  }
  interface NumbersSearchParams {
    city?: string;
    country?: string;
    countryCode?: string;
    limit?: number;
    numberType?: "local" | "mobile" | "national" | "toll_free" | "short_code";
    page?: number;
    type?: "local" | "mobile" | "national" | "toll_free" | "short_code";
    [param: string]: unknown;
  }
  interface NumbersCheckoutParams {
    /** A compliance profile (cpr_…) for the numbers that need documents: approved, they go live at once; otherwise they wait for its approval. */
    complianceProfileId?: string | null;
    /** Alias of compliance_profile_id */
    providerBundleId?: string | null;
    items: Array<Record<string, unknown>>;
    clientId?: string | null;
    /** * `monthly` - Monthly */
    billingCycle?: "monthly" | "quarterly" | "annual";
    [param: string]: unknown;
  }
  interface NumbersResource {
    /** Search numbers for sale by capabilities, area code and digits (Orbit). `GET /numbers/available` */
    available(params: NumbersAvailableParams, options?: RequestOptions): Promise<Page>;
    /** Configure a number (only the keys sent change; unknown keys → 422). `PUT /numbers/{number_id}` */
    configure(numberId: string | number, params?: NumbersConfigureParams, options?: RequestOptions): Promise<ApiObject>;
    /** One of your numbers. `GET /numbers/{number_id}` */
    get(numberId: string | number, params?: NumbersGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your numbers, newest first (cursor pagination). `GET /numbers` */
    list(params?: NumbersListParams, options?: RequestOptions): PagePromise;
    /** Order one number (charged now, live within 60 s). `POST /numbers` */
    order(params: NumbersOrderParams, options?: RequestOptions): Promise<ApiObject>;
    /** Buy a number (Orbit). `POST /numbers/purchase` */
    purchase(params?: NumbersPurchaseParams, options?: RequestOptions): Promise<ApiObject>;
    /** Release a number now (nothing more billed, paid period not refunded). `DELETE /numbers/{number_id}` */
    release(numberId: string | number, params?: NumbersReleaseParams, options?: RequestOptions): Promise<null>;
    /** Call the number through the SIP edge as a caller would (202: queued). `POST /numbers/{number_id}/test-call` */
    testCall(numberId: string | number, params?: NumbersTestCallParams, options?: RequestOptions): Promise<ApiObject>;
    /** The number's latest test call and, once done, its outcome. `GET /numbers/{number_id}/test-call` */
    testCallResult(numberId: string | number, params?: NumbersTestCallResultParams, options?: RequestOptions): Promise<ApiObject>;
    /** Search numbers for sale (DIDfarm). `GET /numbers/search` */
    search(params?: NumbersSearchParams, options?: RequestOptions): PagePromise;
    /** Buy numbers from the wallet, all or nothing. `POST /wallet/checkout` */
    checkout(params: NumbersCheckoutParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface OrdersGetParams {
    [param: string]: unknown;
  }
  interface OrdersListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface OrdersResource {
    /** One order. `GET /orders/{order_id}` */
    get(orderId: string | number, params?: OrdersGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your number orders, newest first. `GET /orders` */
    list(params?: OrdersListParams, options?: RequestOptions): PagePromise;
  }

  interface PaymentSettingsGetParams {
    [param: string]: unknown;
  }
  interface PaymentSettingsUpdateParams {
    /** Alert below this balance ("25.00"); null: off */
    lowBalanceThreshold?: string | null;
    autoRechargeEnabled?: boolean;
    autoRechargeThreshold?: string | null;
    /** EUR as a string with at most two decimals, e.g. "50.00"; within the platform's top-up limits */
    autoRechargeAmount?: string | null;
    [param: string]: unknown;
  }
  interface PaymentSettingsResource {
    /** Low-balance alert, auto-recharge, saved card and bank-transfer details. `GET /wallet/payment-settings` */
    get(params?: PaymentSettingsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Change the low-balance alert and auto-recharge (fields left out keep their value). `PATCH /wallet/payment-settings` */
    update(params?: PaymentSettingsUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface PortingCancelParams {
    [param: string]: unknown;
  }
  interface PortingCreateParams {
    /** E.164 */
    numbers: Array<string>;
    currentCarrier: string;
    /** The person authorized on that account */
    authorizationName: string;
    accountNumber?: string;
    pin?: string;
    /** * `monthly` - Monthly */
    billingCycle?: "monthly" | "quarterly" | "annual";
    clientId?: string | null;
    complianceProfileId?: string;
    /** Alias of compliance_profile_id */
    providerBundleId?: string;
    [param: string]: unknown;
  }
  interface PortingAddDocumentsParams {
    /** PDF, JPEG or PNG, at most 20 MB (or send fields named after types) */
    file: string | Blob | Buffer;
    /** * `id_document` - Identity document (passport or ID card) */
    documentType: "id_document" | "proof_of_address" | "company_registration" | "letter_of_authorization" | "bill" | "other";
    /** Files, each under the form field the API names (file, id_document, ...). */
    [field: string]: FileInput | string | number | boolean | null | undefined;
  }
  interface PortingDeleteDocumentParams {
    [param: string]: unknown;
  }
  interface PortingDownloadDocumentParams {
    [param: string]: unknown;
  }
  interface PortingGetParams {
    [param: string]: unknown;
  }
  interface PortingListParams {
    limit?: number;
    page?: number;
    status?: "submitted" | "pending" | "scheduled" | "completed" | "rejected" | "cancelled";
    [param: string]: unknown;
  }
  interface PortingResource {
    /** Cancel a port-in request while it is pending. `POST /numbers/porting/{port_id}/cancel` */
    cancel(portId: string | number, params?: PortingCancelParams, options?: RequestOptions): Promise<ApiObject>;
    /** Request numbers to be ported in from another carrier. `POST /numbers/porting` */
    create(params: PortingCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** Upload the letter of authorization or a recent bill (PDF, JPEG or PNG, 20 MB each). `POST /numbers/porting/{port_id}/documents` */
    addDocuments(portId: string | number, params: PortingAddDocumentsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Remove one of a port request's documents while the request is pending. `DELETE /numbers/porting/{port_id}/documents/{document_id}` */
    deleteDocument(portId: string | number, documentId: string | number, params?: PortingDeleteDocumentParams, options?: RequestOptions): Promise<null>;
    /** Download one of a port request's documents. `GET /numbers/porting/{port_id}/documents/{document_id}` */
    downloadDocument(portId: string | number, documentId: string | number, params?: PortingDownloadDocumentParams, options?: RequestOptions): Promise<Buffer>;
    /** One port-in request, with its timeline. `GET /numbers/porting/{port_id}` */
    get(portId: string | number, params?: PortingGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your port-in requests, newest first. `GET /numbers/porting` */
    list(params?: PortingListParams, options?: RequestOptions): PagePromise;
  }

  interface PriceRulesDeleteParams {
    [param: string]: unknown;
  }
  interface PriceRulesListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface PriceRulesSaveParams {
    /** 42 or cli_42; null: all clients */
    clientId?: string | null;
    /** ISO code; empty: all */
    country?: string;
    /** Empty: all types */
    numberType?: string;
    markupPercent?: string;
    fixedMonthly?: string;
    fixedSetup?: string;
    fixedSmsAddon?: string;
    fixedSmsSegment?: string;
    [param: string]: unknown;
  }
  interface PriceRulesUpdateParams {
    /** 42 or cli_42; null: all clients */
    clientId?: string | null;
    /** ISO code; empty: all */
    country?: string;
    /** Empty: all types */
    numberType?: string;
    markupPercent?: string;
    fixedMonthly?: string;
    fixedSetup?: string;
    fixedSmsAddon?: string;
    fixedSmsSegment?: string;
    [param: string]: unknown;
  }
  interface PriceRulesResource {
    /** Remove a price-list line. `DELETE /price-rules/{rule_id}` */
    delete(ruleId: string | number, params?: PriceRulesDeleteParams, options?: RequestOptions): Promise<null>;
    /** Your price list: how client prices derive from wholesale. `GET /price-rules` */
    list(params?: PriceRulesListParams, options?: RequestOptions): PagePromise;
    /** Add a price-list line (or change the one for the same client, country and type). `POST /price-rules` */
    save(params?: PriceRulesSaveParams, options?: RequestOptions): Promise<ApiObject>;
    /** Change a price-list line. `PUT /price-rules/{rule_id}` */
    update(ruleId: string | number, params?: PriceRulesUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface RegulatoryRequirementsParams {
    country: string;
    endUserType: "person" | "business";
    numberType: "local" | "mobile" | "national" | "toll_free" | "short_code";
    [param: string]: unknown;
  }
  interface RegulatorySubmitParams {
    /** The profile (cpr_…) */
    complianceProfileId?: string;
    /** Alias of compliance_profile_id */
    providerBundleId?: string;
    /** Or the number waiting for documents: 42, num_42 or +31201234567 */
    numberId?: string;
    /** * `person` - Person */
    endUserType?: "person" | "business";
    name?: string;
    registrationNumber?: string;
    street?: string;
    postalCode?: string;
    city?: string;
    addressCountry?: string;
    idDocument?: string | Blob | Buffer;
    proofOfAddress?: string | Blob | Buffer;
    companyRegistration?: string | Blob | Buffer;
    other?: string | Blob | Buffer;
    /** Files, each under the form field the API names (file, id_document, ...). */
    [field: string]: FileInput | string | number | boolean | null | undefined;
  }
  interface RegulatoryResource {
    /** Which documents a country and number type need, for a person or a business. `GET /regulatory/requirements` */
    requirements(params: RegulatoryRequirementsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Submit documents for review, for a compliance profile or for a number waiting for them. `POST /regulatory/submit` */
    submit(params?: RegulatorySubmitParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface RoutingListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface RoutingRemoveParams {
    [param: string]: unknown;
  }
  interface RoutingSetParams {
    /** 42, num_42 or the number */
    didNumberId: string;
    /** 7 or trk_… */
    sipTrunkId?: string | null;
    /** Instead of a trunk: a SIP URI or an E.164 number */
    forwarding?: string;
    [param: string]: unknown;
  }
  interface RoutingResource {
    /** Where each of your numbers sends its calls. `GET /portal/did-routing` */
    list(params?: RoutingListParams, options?: RequestOptions): PagePromise;
    /** Remove a number's route. `DELETE /portal/did-routing/{number_id}` */
    remove(numberId: string | number, params?: RoutingRemoveParams, options?: RequestOptions): Promise<ApiObject>;
    /** Route a number to a trunk, or forward it. `POST /portal/did-routing` */
    set(params: RoutingSetParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface SandboxCarrierCallbackParams {
    /** The carrier's id of the message or report */
    id: string;
    to?: string;
    body?: string;
    /** Reports: the message reported on */
    carrierRef?: string;
    delivered?: boolean;
    errorCode?: string;
    errorMessage?: string;
    /** * `inbound` - inbound */
    kind?: "inbound" | "status";
    from?: string;
    sandboxSecret: string;
    [param: string]: unknown;
  }
  interface SandboxSimulateInboundSmsParams {
    /** Your number that receives the message */
    toNumberId: string;
    body: string;
    /** The sender, E.164 */
    from: string;
    [param: string]: unknown;
  }
  interface SandboxResource {
    /** Sandbox carrier callback: an inbound SMS or a delivery report (shared secret). `POST /carriers/sandbox/sms` */
    carrierCallback(params: SandboxCarrierCallbackParams, options?: RequestOptions): Promise<ApiObject>;
    /** Sandbox: have someone text one of your numbers (free; as a real inbound message). `POST /portal/sms/simulate-inbound` */
    simulateInboundSms(params: SandboxSimulateInboundSmsParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface SipTrunksCreateParams {
    name: string;
    /** * `digest` - Username and password (digest) */
    authType?: "digest" | "ip";
    clientId?: string | null;
    allowedIps?: Array<string>;
    channels?: number;
    [param: string]: unknown;
  }
  interface SipTrunksDeleteParams {
    [param: string]: unknown;
  }
  interface SipTrunksGetParams {
    [param: string]: unknown;
  }
  interface SipTrunksListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface SipTrunksRegenerateCredentialsParams {
    [param: string]: unknown;
  }
  interface SipTrunksUpdateParams {
    name?: string;
    channels?: number;
    allowedIps?: Array<string>;
    [param: string]: unknown;
  }
  interface SipTrunksResource {
    /** Create a SIP trunk (the password is in this response only). `POST /portal/sip-trunks` */
    create(params: SipTrunksCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** Delete a trunk no number routes to. `DELETE /portal/sip-trunks/{trunk_id}` */
    delete(trunkId: string | number, params?: SipTrunksDeleteParams, options?: RequestOptions): Promise<null>;
    /** One SIP trunk. `GET /portal/sip-trunks/{trunk_id}` */
    get(trunkId: string | number, params?: SipTrunksGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your SIP trunks (never their passwords). `GET /portal/sip-trunks` */
    list(params?: SipTrunksListParams, options?: RequestOptions): PagePromise;
    /** New password now; the old one stops working (the PBX must be updated). `POST /portal/sip-trunks/{trunk_id}/regenerate-credentials` */
    regenerateCredentials(trunkId: string | number, params?: SipTrunksRegenerateCredentialsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Rename a trunk, change its channels or allowed IPs. `PATCH /portal/sip-trunks/{trunk_id}` */
    update(trunkId: string | number, params?: SipTrunksUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface SmsGetParams {
    [param: string]: unknown;
  }
  interface SmsListParams {
    clientId?: string;
    contact?: string;
    dateFrom?: string;
    dateTo?: string;
    direction?: "outbound" | "inbound";
    limit?: number;
    number?: string;
    numberId?: string;
    page?: number;
    q?: string;
    status?: "queued" | "sending" | "sent" | "delivered" | "failed" | "received";
    [param: string]: unknown;
  }
  interface SmsNumbersParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface SmsSegmentsParams {
    body: string;
    to?: string;
    [param: string]: unknown;
  }
  interface SmsSendParams {
    /** 42, num_42 or the number (+31201234567) */
    fromNumberId: string;
    /** Destination in E.164 (+31612345678) */
    to: string;
    /** Up to 1,600 characters */
    body: string;
    clientId?: string | null;
    [param: string]: unknown;
  }
  interface SmsStatsParams {
    [param: string]: unknown;
  }
  interface SmsThreadsParams {
    limit?: number;
    number?: string;
    page?: number;
    [param: string]: unknown;
  }
  interface SmsResource {
    /** One message, with its status times. `GET /portal/sms/{message_id}` */
    get(messageId: string | number, params?: SmsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Messages, newest first (filter by number, direction, status, dates, text). `GET /portal/sms` */
    list(params?: SmsListParams, options?: RequestOptions): PagePromise;
    /** Your numbers with SMS enabled (the ones you can send from). `GET /portal/sms/numbers` */
    numbers(params?: SmsNumbersParams, options?: RequestOptions): PagePromise;
    /** Count a text's segments and price it before sending (nothing is sent or charged). `POST /portal/sms/segments` */
    segments(params: SmsSegmentsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Send an SMS from a number id (charged per segment). `POST /portal/sms/send` */
    send(params: SmsSendParams, options?: RequestOptions): Promise<ApiObject>;
    /** Messages today and this month, 30-day delivery rate, and a day-by-day series. `GET /portal/sms/stats` */
    stats(params?: SmsStatsParams, options?: RequestOptions): Promise<ApiObject>;
    /** Conversations: one per number and contact, latest first. `GET /portal/sms/threads` */
    threads(params?: SmsThreadsParams, options?: RequestOptions): PagePromise;
  }

  interface TopUpsCreateParams {
    /** EUR as a string with at most two decimals, e.g. "50.00"; within the platform's top-up limits */
    amount: string;
    /** Keep the card for auto-recharge */
    saveCard?: boolean;
    /** Where Stripe sends the payer after paying (default: the wallet) */
    successUrl?: string;
    /** Where Stripe sends a payer who cancels */
    cancelUrl?: string;
    [param: string]: unknown;
  }
  interface TopUpsGetParams {
    [param: string]: unknown;
  }
  interface TopUpsListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface TopUpsResource {
    /** Start a card or SEPA top-up: send the payer to checkout_url (Stripe Checkout). `POST /wallet/top-ups` */
    create(params: TopUpsCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** One top-up. `GET /wallet/top-ups/{top_up_id}` */
    get(topUpId: string | number, params?: TopUpsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Top-ups: card and SEPA payments, auto-recharges and bank transfers, newest first. `GET /wallet/top-ups` */
    list(params?: TopUpsListParams, options?: RequestOptions): PagePromise;
  }

  interface TransactionsGetParams {
    [param: string]: unknown;
  }
  interface TransactionsListParams {
    clientId?: string;
    dateFrom?: string;
    dateTo?: string;
    direction?: "credit" | "debit";
    kind?: "top_up" | "adjustment" | "refund" | "number_purchase" | "setup_fee" | "number_renewal" | "sms_addon" | "sms_outbound" | "sms_inbound" | "porting" | "top_up_refund" | "chargeback" | "chargeback_reversal";
    limit?: number;
    page?: number;
    referenceId?: string;
    referenceType?: string;
    [param: string]: unknown;
  }
  interface TransactionsResource {
    /** One ledger entry. `GET /wallet/transactions/{transaction_id}` */
    get(transactionId: string | number, params?: TransactionsGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Ledger entries, newest first. `GET /wallet/transactions` */
    list(params?: TransactionsListParams, options?: RequestOptions): PagePromise;
  }

  interface WalletBalanceParams {
    [param: string]: unknown;
  }
  interface WalletResource {
    /** Wallet balance. `GET /wallet/balance` */
    balance(params?: WalletBalanceParams, options?: RequestOptions): Promise<ApiObject>;
  }

  interface WebhooksCreateParams {
    /** https:// (or http://) without credentials */
    url: string;
    /** Event names from GET /webhooks/event-types, or ["*"] */
    events: Array<string>;
    description?: string;
    /** Only this client's events (7 or cli_7) */
    clientId?: string | null;
    enabled?: boolean;
    [param: string]: unknown;
  }
  interface WebhooksDeleteParams {
    [param: string]: unknown;
  }
  interface WebhooksDeliveryParams {
    [param: string]: unknown;
  }
  interface WebhooksDeliveriesParams {
    limit?: number;
    page?: number;
    status?: "pending" | "succeeded" | "failed";
    [param: string]: unknown;
  }
  interface WebhooksRedeliverParams {
    [param: string]: unknown;
  }
  interface WebhooksEventTypesParams {
    [param: string]: unknown;
  }
  interface WebhooksGetParams {
    [param: string]: unknown;
  }
  interface WebhooksListParams {
    limit?: number;
    page?: number;
    [param: string]: unknown;
  }
  interface WebhooksRotateSecretParams {
    [param: string]: unknown;
  }
  interface WebhooksTestParams {
    [param: string]: unknown;
  }
  interface WebhooksUpdateParams {
    url?: string;
    events?: Array<string>;
    description?: string;
    clientId?: string | null;
    enabled?: boolean;
    [param: string]: unknown;
  }
  interface WebhooksResource {
    /** Add a webhook endpoint (its secret is in this response only). `POST /webhooks` */
    create(params: WebhooksCreateParams, options?: RequestOptions): Promise<ApiObject>;
    /** Delete an endpoint and its delivery log. `DELETE /webhooks/{webhook_id}` */
    delete(webhookId: string | number, params?: WebhooksDeleteParams, options?: RequestOptions): Promise<null>;
    /** One delivery with the body sent and every attempt (status, latency, response excerpt). `GET /webhooks/{webhook_id}/deliveries/{delivery_id}` */
    delivery(webhookId: string | number, deliveryId: string | number, params?: WebhooksDeliveryParams, options?: RequestOptions): Promise<ApiObject>;
    /** An endpoint's deliveries, newest first. `GET /webhooks/{webhook_id}/deliveries` */
    deliveries(webhookId: string | number, params?: WebhooksDeliveriesParams, options?: RequestOptions): PagePromise;
    /** Send a delivery again now, with the same event id and body. `POST /webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver` */
    redeliver(webhookId: string | number, deliveryId: string | number, params?: WebhooksRedeliverParams, options?: RequestOptions): Promise<ApiObject>;
    /** The events an endpoint can subscribe to, each with an example body. `GET /webhooks/event-types` */
    eventTypes(params?: WebhooksEventTypesParams, options?: RequestOptions): Promise<Page>;
    /** One webhook endpoint. `GET /webhooks/{webhook_id}` */
    get(webhookId: string | number, params?: WebhooksGetParams, options?: RequestOptions): Promise<ApiObject>;
    /** Your webhook endpoints (never their secrets). `GET /webhooks` */
    list(params?: WebhooksListParams, options?: RequestOptions): PagePromise;
    /** New secret now; the old one keeps signing for 24 hours (both signatures are sent). `POST /webhooks/{webhook_id}/rotate-secret` */
    rotateSecret(webhookId: string | number, params?: WebhooksRotateSecretParams, options?: RequestOptions): Promise<ApiObject>;
    /** Send a webhook.test event to this endpoint now (one attempt; see its delivery). `POST /webhooks/{webhook_id}/test` */
    test(webhookId: string | number, params?: WebhooksTestParams, options?: RequestOptions): Promise<ApiObject>;
    /** Change an endpoint's URL, events or description, or switch it on or off. `PATCH /webhooks/{webhook_id}` */
    update(webhookId: string | number, params?: WebhooksUpdateParams, options?: RequestOptions): Promise<ApiObject>;
  }

  class DIDfarmError extends Error {
    code: string | null;
    status: number | null;
    requestId: string | null;
    /** The same as requestId, as the API spells it. */
    readonly request_id: string | null;
    fields: Record<string, string[]>;
    body: unknown;
    headers: Record<string, string>;
  }
  class ConfigurationError extends DIDfarmError {}
  class APIConnectionError extends DIDfarmError {}
  class APITimeoutError extends APIConnectionError {}
  class APIError extends DIDfarmError {}
  class BadRequestError extends APIError {}
  class AuthenticationError extends APIError {}
  class PermissionDeniedError extends APIError {}
  class NotFoundError extends APIError {}
  class ConflictError extends APIError {}
  class PayloadTooLargeError extends APIError {}
  class ValidationError extends APIError {}
  class RateLimitError extends APIError {
    /** Seconds the portal asked to wait (Retry-After). */
    readonly retryAfter: number | null;
  }
  class ServerError extends APIError {}
  class WebhookVerificationError extends DIDfarmError {}

  interface VerifyOptions {
    /** Seconds a signature stays valid (default 300). */
    tolerance?: number;
    /** Unix time to check against (default: now). */
    now?: number;
  }
  type HeadersLike = Record<string, string | string[] | undefined> | { get(name: string): string | null };
  const webhooks: {
    /** Verify both signature headers of a delivery against its raw body; returns the event or throws WebhookVerificationError. */
    verify(body: string | Buffer | Uint8Array, headers: HeadersLike, secret: string | string[], options?: VerifyOptions): ApiObject;
  };
  interface Operation { method: string; path: string; resource: string; name: string; pagination: 'page' | 'cursor' | null; keyed: boolean; body: 'json' | 'multipart' | null; response: string; }
  const OPERATIONS: Record<string, Operation>;
  const VERSION: string;
  const DEFAULT_BASE_URL: string;
}

declare class DIDfarm {
  constructor(options?: DIDfarm.ClientOptions);
  readonly baseUrl: string;
  readonly account: DIDfarm.AccountResource;
  readonly apiKeys: DIDfarm.ApiKeysResource;
  readonly auditLog: DIDfarm.AuditLogResource;
  readonly calls: DIDfarm.CallsResource;
  readonly clients: DIDfarm.ClientsResource;
  readonly complianceProfiles: DIDfarm.ComplianceProfilesResource;
  readonly events: DIDfarm.EventsResource;
  readonly invoices: DIDfarm.InvoicesResource;
  readonly messages: DIDfarm.MessagesResource;
  readonly numbers: DIDfarm.NumbersResource;
  readonly orders: DIDfarm.OrdersResource;
  readonly paymentSettings: DIDfarm.PaymentSettingsResource;
  readonly porting: DIDfarm.PortingResource;
  readonly priceRules: DIDfarm.PriceRulesResource;
  readonly regulatory: DIDfarm.RegulatoryResource;
  readonly routing: DIDfarm.RoutingResource;
  readonly sandbox: DIDfarm.SandboxResource;
  readonly sipTrunks: DIDfarm.SipTrunksResource;
  readonly sms: DIDfarm.SmsResource;
  readonly topUps: DIDfarm.TopUpsResource;
  readonly transactions: DIDfarm.TransactionsResource;
  readonly wallet: DIDfarm.WalletResource;
  readonly webhooks: DIDfarm.WebhooksResource;
}

export = DIDfarm;
