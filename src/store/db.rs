//! One way to run the store's SQL on either database: SQLite (through rusqlite)
//! or PostgreSQL (through the `postgres` crate). The store's queries are written
//! once, in the SQL both accept, with SQLite's `?N` placeholders; this module
//! numbers them the PostgreSQL way (`$N`), converts values both ways, and reads
//! rows into owned values, so every store method is the same code on both.
//!
//! Hand-written because no crate does this for blocking code: sqlx's `Any`
//! driver, the one crate that speaks both, is async only and leaves placeholders
//! as written; the store runs on blocking threads (`store::call`), where
//! rusqlite and `postgres` are the well-kept clients of their databases.
//!
//! What differs between the two and is handled here: placeholders, and row
//! locks (`FOR UPDATE`, `SKIP LOCKED`), which SQLite has no use for: its write
//! transactions already hold the whole database, so they are left out there.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// A database error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("{}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// The file system failed (making the database's directory).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A query that must return a row returned none.
    #[error("no row")]
    NoRows,
    /// A value is not of the type asked for.
    #[error("column {column}: {message}")]
    Type {
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// PostgreSQL's own message when it sent one (the `Display` of `postgres::Error`
/// says only "db error").
fn postgres_message(error: &postgres::Error) -> String {
    match (error.as_db_error(), std::error::Error::source(error)) {
        (Some(db), _) => format!("{}: {}", db.severity(), db.message()),
        // "error connecting to server: Connection refused (os error 111)"
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    }
}

/// Results of database calls.
pub type Result<T> = std::result::Result<T, Error>;

/// A value going in or coming out: the types the store uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (PostgreSQL `BIGINT`, `INTEGER`, `BOOLEAN` as 0 or 1).
    Integer(i64),
    /// Text.
    Text(String),
}

/// Turns a Rust value into a [`Value`] (a parameter).
pub trait ToValue {
    /// The value.
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
integer_values!(i64, i32, u32, u64, usize);
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

macro_rules! value_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(value: $t) -> Value {
                value.to_value()
            }
        }
    )*};
}
value_from!(&str, String, i64, bool);

/// The parameters of a statement.
pub trait Params {
    /// As values, in order.
    fn values(self) -> Vec<Value>;
}

impl Params for () {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// Parameters of mixed types, as `params![name, count]`.
#[macro_export]
#[doc(hidden)]
macro_rules! __store_params {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::store::db::ToValue::to_value(&$value)),*]
    };
}
pub use crate::__store_params as params;

/// Reads a [`Value`] back into a Rust type.
pub trait FromValue: Sized {
    /// The Rust value, or why not.
    fn from_value(value: &Value) -> std::result::Result<Self, String>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> std::result::Result<Self, String> {
        Ok(value.clone())
    }
}
impl FromValue for String {
    fn from_value(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("{other:?} is not text")),
        }
    }
}
impl FromValue for bool {
    fn from_value(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Integer(i) => Ok(*i != 0),
            other => Err(format!("{other:?} is not a boolean")),
        }
    }
}
macro_rules! integer_from_values {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> std::result::Result<Self, String> {
                match value {
                    Value::Integer(i) => <$t>::try_from(*i).map_err(|e| format!("{i}: {e}")),
                    other => Err(format!("{other:?} is not an integer")),
                }
            }
        }
    )*};
}
integer_from_values!(i64, i32, u32, u64, usize);
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A column of a [`Row`], by position or by name.
pub trait RowIndex {
    /// The position in `names`.
    fn position(&self, names: &[String]) -> Option<usize>;
}
impl RowIndex for usize {
    fn position(&self, names: &[String]) -> Option<usize> {
        (*self < names.len()).then_some(*self)
    }
}
impl RowIndex for &str {
    fn position(&self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n == self)
    }
}

/// A row read from either database.
#[derive(Debug)]
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// Every column's value, in order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of a column as `T`.
    pub fn get<I: RowIndex + std::fmt::Debug, T: FromValue>(&self, index: I) -> Result<T> {
        let position = index
            .position(&self.names)
            .ok_or_else(|| Error::Type { column: format!("{index:?}"), message: "no such column".into() })?;
        T::from_value(&self.values[position])
            .map_err(|message| Error::Type { column: self.names[position].clone(), message })
    }
}

/// Turns a `NoRows` error into `None`.
pub trait OptionalExtension<T> {
    /// `Ok(None)` for no row.
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A PostgreSQL connection with the statements it has prepared (a prepared
/// statement saves a round trip each time it runs again).
pub struct PgConnection {
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

/// `postgres::Client` closes its connection by blocking on its own runtime, which
/// panics on an async thread (the store is dropped there when the daemon stops):
/// such a drop is done on a thread of its own.
impl Drop for PgConnection {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

impl PgConnection {
    /// Connects to `url`.
    pub fn connect(url: &str) -> Result<PgConnection> {
        let client = postgres::Client::connect(url, postgres::NoTls)?;
        Ok(PgConnection { client: Some(client), statements: HashMap::new() })
    }

    /// The client, for what this module does not cover (transactions, `LISTEN`).
    pub fn client(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("the client is taken only when dropped")
    }

    /// Whether the connection is still usable (it goes back to the pool).
    pub fn is_open(&self) -> bool {
        self.client.as_ref().is_some_and(|c| !c.is_closed())
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client().prepare(&postgres_sql(sql))?;
        if self.statements.len() > 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

/// An open connection (or transaction) to either database: what store methods
/// run their SQL on.
pub enum Connection<'a> {
    /// SQLite.
    Sqlite(&'a rusqlite::Connection),
    /// PostgreSQL.
    Postgres(RefCell<&'a mut PgConnection>),
}

impl Connection<'_> {
    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Connection::Postgres(_))
    }

    /// Runs a statement; returns the rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let values = params.values();
        match self {
            Connection::Sqlite(c) => {
                let mut statement = c.prepare_cached(&sqlite_sql(sql))?;
                Ok(statement.execute(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?)
            }
            Connection::Postgres(c) => {
                let mut c = c.borrow_mut();
                let statement = c.statement(sql)?;
                let changed = c.client().execute(&statement, &pg_params(&values))?;
                Ok(usize::try_from(changed).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs a query; maps every row with `f`.
    pub fn query_map<T>(&self, sql: &str, params: impl Params, mut f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        let values = params.values();
        match self {
            Connection::Sqlite(c) => {
                let mut statement = c.prepare_cached(&sqlite_sql(sql))?;
                let names: Arc<[String]> = statement.column_names().map(|n| n.to_string()).collect();
                let width = names.len();
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let values = (0..width).map(|i| sqlite_value(row.get_ref(i)?)).collect::<Result<Vec<_>>>()?;
                    out.push(f(&Row { names: Arc::clone(&names), values })?);
                }
                Ok(out)
            }
            Connection::Postgres(c) => {
                let mut c = c.borrow_mut();
                let statement = c.statement(sql)?;
                let rows = c.client().query(&statement, &pg_params(&values))?;
                let names: Arc<[String]> = statement.columns().iter().map(|c| c.name().to_string()).collect();
                rows.iter()
                    .map(|row| {
                        let values = (0..names.len())
                            .map(|i| row.try_get::<_, PgValue>(i).map(|v| v.0))
                            .collect::<std::result::Result<Vec<_>, _>>()?;
                        f(&Row { names: Arc::clone(&names), values })
                    })
                    .collect()
            }
        }
    }

    /// Runs a query that returns one row (the first, if more); `NoRows` if none.
    pub fn query_row<T>(&self, sql: &str, params: impl Params, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut first = None;
        // The closure is called for the first row only.
        let rows = self.query_map(sql, params, |row| {
            if first.is_none() {
                first = Some(f.take().expect("called once")(row));
            }
            Ok(())
        })?;
        drop(rows);
        first.unwrap_or(Err(Error::NoRows))
    }

    /// Runs several statements with no parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Postgres(c) => Ok(c.borrow_mut().client().batch_execute(sql)?),
        }
    }
}

/// A parameter for rusqlite.
struct SqliteValue<'a>(&'a Value);

impl rusqlite::ToSql for SqliteValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn sqlite_value(value: rusqlite::types::ValueRef<'_>) -> Result<Value> {
    use rusqlite::types::ValueRef;
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Real(r) => Value::Text(r.to_string()),
        ValueRef::Blob(_) => return Err(Error::Type { column: String::new(), message: "a blob".into() }),
    })
}

/// SQLite has no row locks (its write transaction holds the whole database): a
/// `FOR UPDATE …` clause is left out, up to the end of its query or subquery.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains(" FOR UPDATE") {
        return sql.into();
    }
    let mut out = sql.to_string();
    while let Some(start) = out.find(" FOR UPDATE") {
        let end = out[start..].find(')').map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "");
    }
    out.into()
}

/// SQLite's placeholders, numbered the PostgreSQL way: `?N` becomes `$N`, and a
/// bare `?` takes the number after the largest so far, as SQLite numbers it.
/// Question marks inside quoted strings and identifiers are left alone.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0u32;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = if digits.is_empty() { largest + 1 } else { digits.parse().unwrap_or(u32::MAX) };
                largest = largest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

fn pg_params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A parameter takes the type PostgreSQL expects of it: the store's integers go
/// into `BIGINT`, `INTEGER` and `BOOLEAN` columns, its text into `TEXT`.
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Integer(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Integer(i), &Type::TEXT | &Type::VARCHAR) => i.to_string().to_sql(ty, out),
            (Value::Text(s), _) => s.as_str().to_sql(ty, out),
            (Value::Integer(_), other) => Err(format!("an integer cannot go into {other}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column value read from PostgreSQL.
struct PgValue(Value);

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Value::Integer(i64::from(bool::from_sql(ty, raw)?)),
            _ => Value::Text(String::from_sql(ty, raw)?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL) || <String as FromSql>::accepts(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(postgres_sql("SELECT ?1, ?2 WHERE a = ?1"), "SELECT $1, $2 WHERE a = $1");
        assert_eq!(postgres_sql("LIMIT ? OFFSET ?"), "LIMIT $1 OFFSET $2");
        assert_eq!(postgres_sql("WHERE a = ?3 LIMIT ?"), "WHERE a = $3 LIMIT $4");
        assert_eq!(postgres_sql("WHERE a = '?' AND \"b?\" = ?1"), "WHERE a = '?' AND \"b?\" = $1");
        assert_eq!(sqlite_sql("SELECT 1 FOR UPDATE SKIP LOCKED"), "SELECT 1");
        assert_eq!(
            sqlite_sql("IN (SELECT id FROM d LIMIT 5 FOR UPDATE OF d SKIP LOCKED) RETURNING id"),
            "IN (SELECT id FROM d LIMIT 5) RETURNING id"
        );
    }
}
