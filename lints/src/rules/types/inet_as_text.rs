use crate::rules::types::{is_text, name_words, report_retype};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::Table;
use crate::{Dialect, Severity};

/// ## What it does
/// Flags text columns named like IP addresses (`ip`, `ip_address`, `client_ip`,
/// `remote_addr`) in PostgreSQL.
///
/// ## Why is this bad?
/// `inet` stores an IPv4 address in 7 bytes and an IPv6 one in 19, validates every value, and
/// supports containment queries (`<<=`) with GiST indexes. As text the same address takes up
/// to 16 (IPv4) or 40 (IPv6) bytes, accepts garbage and sorts as a string ("10.0.0.9" after
/// "10.0.0.10").
///
/// ## Example
/// ```sql
/// CREATE TABLE logins (id bigint PRIMARY KEY, client_ip varchar(45) NOT NULL);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE TABLE logins (id bigint PRIMARY KEY, client_ip inet NOT NULL);
/// ```
///
/// ## Fix safety
/// Unsafe: the type change rewrites the table and fails on values that are not addresses
/// (`ALTER COLUMN ... TYPE inet USING client_ip::inet`).
pub(crate) struct InetAsText;

/// A typical IPv4 address as text (`192.168.100.23`) with its length byte, and as `inet`.
const TEXT_BYTES: f64 = 14.0;
const INET_BYTES: f64 = 7.0;

impl Rule for InetAsText {
    const META: RuleMeta = RuleMeta::new("inet-as-text", Family::Types, Severity::Info).dialects(&[Dialect::Postgres]);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for column in &table.columns {
            if !is_text(&column.ty) {
                continue;
            }
            let words = name_words(&column.name);
            let has = |w: &str| words.iter().any(|x| x == w);
            let is_address = has("ip") || has("ipv4") || has("ipv6") || has("ipaddr") || has("ipaddress") || (has("addr") && (has("remote") || has("client") || has("peer")));
            if !is_address {
                continue;
            }
            let text_bytes = ctx.column_stats(table, &column.name).and_then(|s| s.avg_width).unwrap_or(TEXT_BYTES);
            let saving = (text_bytes - INET_BYTES).max(0.0);
            let message = format!("`{}` holds IP addresses as `{}`: {} more than `inet`, and no validation", column.name, column.ty, ctx.cost(table, saving));
            report_retype(ctx, column, message, "inet").help("store it as `inet` (`USING column::inet`)");
        }
    }
}
