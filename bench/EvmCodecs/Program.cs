using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage: dotnet run -c Release --project bench/EvmCodecs [-- --filter '*']
// In-process toolchain: the assembly is named Sharemint.EvmCodecs (Directory.Build.props), which BenchmarkDotNet's
// out-of-process project generator cannot map back to EvmCodecs.csproj.
var config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(Sharemint.EvmCodecs.CodecBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
