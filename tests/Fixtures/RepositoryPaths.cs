namespace Sharemint.Fixtures;

/// <summary>Locations in the repository, found from the test binaries by walking up to Platform.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>A built project output, e.g. <c>Output("src/Silo", "Sharemint.Silo.dll")</c>, in the configuration the tests run under.</summary>
    public static string Output(string project, string fileName)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(Root, project, "bin", configuration, "net10.0", fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is not built; build Platform.sln first (dotnet build).", path);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"Platform.sln not found above {AppContext.BaseDirectory}.");
    }
}
