//! Outgoing webhooks: admins subscribe URLs to decision events; the
//! delivery task queues, claims and records attempts.

use baton_core::access::Permission;
use baton_core::lifecycle::EventKind;
use baton_store::webhooks::{Attempt, Delivery, Outgoing, Webhook};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decisions::ReadError;
use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a webhook was not subscribed, read or removed.
    pub enum WebhookError {
        #[error("`url`: `{0}` is not a URL: {1}")]
        NotAUrl(String, String) => (Invalid, "invalid"),
        #[error("`url`: `{0}` must be an http or https URL with a host")]
        NotHttp(String) => (Invalid, "invalid"),
        #[error("`events`: `{0}` is not an event kind; the kinds are {1}")]
        UnknownEvent(String, String) => (Invalid, "invalid"),
        #[error("`secret`: a signing secret needs at least 16 characters")]
        ShortSecret => (Invalid, "invalid"),
        #[error("webhook {0} does not exist or was already removed")]
        NoSuchWebhook(i64) => (NotFound, "not_found"),
    }
}

/// A subscription to make.
#[derive(Clone, Debug)]
pub struct SubscribeRequest {
    /// Where to POST events: an `http` or `https` URL.
    pub url: String,
    /// Event kinds to send; all when empty.
    pub events: Vec<String>,
    /// The signing secret; a random one when absent.
    pub secret: Option<String>,
}

/// A new subscription, with its secret: the only time it is shown.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Subscribed {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

/// The URL's origin, which is what the audit log records of a
/// subscription, once its request holds.
fn check(request: &SubscribeRequest) -> Result<String, WebhookError> {
    let url = url::Url::parse(&request.url)
        .map_err(|e| WebhookError::NotAUrl(request.url.clone(), e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(WebhookError::NotHttp(request.url.clone()));
    }
    if let Some(unknown) = request
        .events
        .iter()
        .find(|k| !EventKind::parse(k).is_some_and(EventKind::about_decisions))
    {
        return Err(WebhookError::UnknownEvent(
            unknown.clone(),
            EventKind::decision_texts(),
        ));
    }
    if request.secret.as_deref().is_some_and(|s| s.len() < 16) {
        return Err(WebhookError::ShortSecret);
    }
    Ok(url.origin().ascii_serialization())
}

impl App {
    /// `caller` subscribes a URL to decision events (admins).
    pub async fn subscribe_webhook(
        &self,
        caller: &Caller,
        request: SubscribeRequest,
        at: DateTime<Utc>,
    ) -> Result<Subscribed, WebhookError> {
        Permission::ManageWebhooks.check(&caller.person, caller.role)?;
        let target = check(&request)?;
        let (webhook, secret) = self
            .store
            .webhooks()
            .subscribe_webhook(
                &request.url,
                &target,
                &request.events,
                request.secret.as_deref(),
                &caller.person,
                at,
            )
            .await?;
        Ok(Subscribed { webhook, secret })
    }

    /// Live subscriptions (admins).
    pub async fn webhooks(&self, caller: &Caller) -> Result<Vec<Webhook>, WebhookError> {
        Permission::ManageWebhooks.check(&caller.person, caller.role)?;
        Ok(self.store.webhooks().subscriptions().await?)
    }

    /// `caller` removes webhook `id` (admins).
    pub async fn unsubscribe_webhook(
        &self,
        caller: &Caller,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        Permission::ManageWebhooks.check(&caller.person, caller.role)?;
        if self
            .store
            .webhooks()
            .unsubscribe_webhook(id, &caller.person, at)
            .await?
        {
            Ok(())
        } else {
            Err(WebhookError::NoSuchWebhook(id))
        }
    }

    /// Every attempt's outcome for webhook `id`, newest first (admins).
    pub async fn deliveries(
        &self,
        caller: &Caller,
        id: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, WebhookError> {
        Permission::ManageWebhooks.check(&caller.person, caller.role)?;
        Ok(self.store.webhooks().deliveries(id, limit).await?)
    }

    /// The delivery task's steps: queue what the chain added, claim what
    /// is due, record an attempt.
    pub async fn queue_deliveries(
        &self,
        now: DateTime<Utc>,
        batch: i64,
    ) -> Result<usize, ReadError> {
        Ok(self.store.webhooks().queue_deliveries(now, batch).await?)
    }

    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Outgoing>, ReadError> {
        Ok(self
            .store
            .webhooks()
            .claim_deliveries(now, lease_until, limit)
            .await?)
    }

    pub async fn record_attempt(
        &self,
        claimed: &Outgoing,
        attempt: &Attempt,
        at: DateTime<Utc>,
    ) -> Result<bool, ReadError> {
        Ok(self
            .store
            .webhooks()
            .record_attempt(claimed, attempt, at)
            .await?)
    }
}
