//! The notifications page (`GET /notifikasi`).

use askama::Template;

use super::Page;
use crate::app::NoticeItem;

/// The user's notices, newest first, with a form to mark them all read.
#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    /// Common.
    pub p: Page,
    /// The notices, in the page's language.
    pub items: Vec<NoticeItem>,
}
