use crate::rules::types::{cast_evidence, name_only, name_words, report_retype, sampled_shape, share_of_sample, text_width, Sampled};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags IP addresses stored as text in PostgreSQL, graded by the evidence:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | `collect --sample`: at least 99% of at least 100 sampled values are addresses or CIDR blocks | warning, with the share and sample size |
    /// | the sample says otherwise | none, whatever the name |
    /// | structure: `varchar(39)`/`varchar(45)` (an IPv6 address's longest text) named like an address, or a default or CHECK that makes or casts one (`inet_client_addr()::text`) | warning, naming the evidence |
    /// | the name alone (`ip`, `ip_address`, `client_ip`, `remote_addr`) | info, as a question |
    ///
    /// Names are read word by word: `ip_country`, `ip_range` and `ip_count` describe an address
    /// but do not hold one, and a column declared shorter than 7 characters cannot hold one.
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
    pub(crate) struct InetAsText {
        name: "inet-as-text",
        family: Types,
        severity: Warning,
        dialects: [Postgres],
        needs_stats: false,
        finds: "IP addresses stored as text (graded)",
    }
}

/// A typical IPv4 address as text (`192.168.100.23`) with its length byte, and as `inet`.
const TEXT_BYTES: f64 = 15.0;
const INET_BYTES: f64 = 7.0;

/// Words that make an `ip_*` name an attribute of an address rather than the address.
const NOT_ADDRESS: &[&str] = &[
    "country",
    "city",
    "region",
    "location",
    "geo",
    "range",
    "count",
    "type",
    "version",
    "pool",
    "owner",
    "hash",
    "family",
    "allocation",
    "block",
    "list",
    "whitelist",
    "blacklist",
    "allow",
    "deny",
    "port",
];

impl Rule for InetAsText {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if !column.ty.is_text() || column.ty.declared_length().is_some_and(|n| n < 7) {
            return;
        }
        let words = name_words(&column.name);
        let has = |w: &str| words.iter().any(|x| x == w);
        let named = (has("ip")
            || has("ipv4")
            || has("ipv6")
            || has("ipaddr")
            || has("ipaddress")
            || has("inet")
            || (has("addr") && (has("remote") || has("client") || has("peer"))))
            && !words.iter().any(|w| NOT_ADDRESS.contains(&w.as_str()));
        let cost = ctx.cost(table, (text_width(ctx, table, column, TEXT_BYTES) - INET_BYTES).max(0.0));
        let (message, named_only) = match sampled_shape(ctx, table, column, |s| s.ip) {
            Sampled::Against => return,
            Sampled::For { share, checked } => (
                format!(
                    "{} of `{}` are IP addresses, stored as `{}`: {cost} more than `inet`, and no validation",
                    share_of_sample(share, checked),
                    column.name,
                    column.ty
                ),
                false,
            ),
            Sampled::Unknown => {
                let sized = named
                    && matches!(column.ty.declared_length(), Some(39 | 45))
                    && column.ty.is_char_or_varchar();
                if let Some(evidence) =
                    cast_evidence(table, column, &["inet", "cidr"], &["inet_client_addr", "inet_server_addr"])
                {
                    (format!("`{}` holds IP addresses as `{}` ({evidence}): {cost} more than `inet`, and no validation", column.name, column.ty), false)
                } else if sized {
                    (format!("`{}` is `{}`, the longest text of an IPv6 address: as `inet` it takes {cost} less and is validated", column.name, column.ty), false)
                } else if named {
                    (format!("`{}` may hold IP addresses; if it does, `inet` takes {cost} less than `{}` and validates them", column.name, column.ty), true)
                } else {
                    return;
                }
            }
        };
        let diagnostic =
            report_retype(ctx, column, message, "inet").help("store it as `inet` (`USING column::inet`)");
        if named_only {
            name_only(diagnostic);
        }
    }
}
