use quotefeed::extract::{ExtractOptions, InputFormat, extract};
fn main() {
    let arg = std::env::args().nth(1).unwrap();
    let fmt = if arg.ends_with(".txt") { InputFormat::Text } else { InputFormat::Html };
    let data = std::fs::read(&arg).unwrap();
    let o = ExtractOptions { format: fmt, ..ExtractOptions::default() };
    let n: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(2000);
    let mut c = 0;
    for _ in 0..n {
        c += extract(&data, &o).unwrap().quotes.len();
    }
    println!("{c}");
}
