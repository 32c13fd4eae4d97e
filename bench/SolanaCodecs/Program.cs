using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Sharemint.SolanaCodecs;

// In-process: the repository renames assemblies (Sharemint.*), which the out-of-process project generator cannot follow.
//   dotnet run -c Release --project bench/SolanaCodecs -- --filter "*"   (ShortRun, in-process)
var config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(SigningBenchmarks).Assembly).Run(args, config);
